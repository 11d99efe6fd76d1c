// The header must compile as C++ (g++ -std=c++17 -Wall -Wextra -Werror -pedantic) and link:
// extern "C" linkage, no C-only constructs. Prints the version; exits 0.
#include "vodsign.h"

#include <cstdio>
#include <cstring>
#include <string>

int main() {
    static_assert(VODSIGN_OK == 0, "VODSIGN_OK");
    static_assert(sizeof(vodsign_status) == 4, "vodsign_status is 32 bits");
    vodsign_signer *signer = nullptr;
    const std::string id = "AKIDexample";
    const std::string key = "key";
    vodsign_status st = vodsign_signer_new(id.data(), id.size(), reinterpret_cast<const uint8_t *>(key.data()),
                                           key.size(), &signer);
    if (st != VODSIGN_OK) {
        std::printf("signer: %s\n", vodsign_status_name(st));
        return 1;
    }
    vodsign_signer_free(signer);
    std::printf("C++: vodsign %s (header %d.%d.%d)\n", vodsign_version(), VODSIGN_VERSION_MAJOR,
                VODSIGN_VERSION_MINOR, VODSIGN_VERSION_PATCH);
    return std::strcmp(vodsign_status_name(VODSIGN_ERR_BAD_MAC), "bad_mac") == 0 ? 0 : 1;
}
