/*
 * A small vodsign program: sign with explicit time and random, decode, verify.
 * Built by scripts/test-c.sh against an installed tree with
 *   cc example.c $(pkg-config --cflags --libs vodsign)
 * Prints the signature and "example: ok", and exits 0 on success.
 */
#include <vodsign.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, vodsign_status st) {
    char detail[512];
    size_t len = 0;
    if (vodsign_last_error_message(detail, sizeof detail, &len) != VODSIGN_OK) {
        detail[0] = '\0';
    }
    fprintf(stderr, "example: %s failed: %s (%s): %s\n", what, vodsign_status_name(st), vodsign_status_message(st),
            detail);
    return 1;
}

int main(void) {
    static const char secret_id[] = "IamSecretId";
    static const char secret_key[] = "IamSecretKey";
    vodsign_signer *signer = NULL;
    vodsign_options *options = NULL;
    vodsign_decoded *decoded = NULL;
    char *signature = NULL;
    size_t max_len = 0, len = 0;
    uint64_t left = 0;
    vodsign_status st;
    int rc = 1;

    if (strcmp(vodsign_version(), "") == 0) {
        return 1;
    }
    st = vodsign_signer_new(secret_id, strlen(secret_id), (const uint8_t *)secret_key, strlen(secret_key), &signer);
    if (st != VODSIGN_OK) {
        return fail("vodsign_signer_new", st);
    }
    if ((st = vodsign_options_new(&options)) != VODSIGN_OK ||
        (st = vodsign_options_set_procedure(options, "", 0)) != VODSIGN_OK ||
        (st = vodsign_options_set_class_id(options, 0)) != VODSIGN_OK ||
        (st = vodsign_options_set_one_time_valid(options, 0)) != VODSIGN_OK ||
        (st = vodsign_options_set_source_context(options, "", 0)) != VODSIGN_OK) {
        rc = fail("setting options", st);
        goto done;
    }
    if ((st = vodsign_signer_max_signature_len(signer, options, &max_len)) != VODSIGN_OK) {
        rc = fail("vodsign_signer_max_signature_len", st);
        goto done;
    }
    signature = malloc(max_len + 1);
    if (signature == NULL) {
        goto done;
    }
    st = vodsign_signer_sign_at(signer, options, 1571215095, 1571301495, 220625, signature, max_len + 1, &len);
    if (st != VODSIGN_OK) {
        rc = fail("vodsign_signer_sign_at", st);
        goto done;
    }
    printf("%s\n", signature);
    /* The documented sample's signature starts like this. */
    if (strncmp(signature, "j3IeOdRPWwKegeytZdde4djeEStz", 28) != 0) {
        fprintf(stderr, "example: unexpected signature\n");
        goto done;
    }
    st = vodsign_verify(signature, len, (const uint8_t *)secret_key, strlen(secret_key), 1571215100, 300, &decoded);
    if (st != VODSIGN_OK) {
        rc = fail("vodsign_verify", st);
        goto done;
    }
    if ((st = vodsign_decoded_seconds_left(decoded, 1571215100, &left)) != VODSIGN_OK || left != 86395) {
        rc = fail("vodsign_decoded_seconds_left", st);
        goto done;
    }
    printf("example: ok (%" PRIu64 " seconds left)\n", left);
    rc = 0;
done:
    vodsign_decoded_free(decoded);
    free(signature);
    vodsign_options_free(options);
    vodsign_signer_free(signer);
    return rc;
}
