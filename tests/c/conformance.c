/*
 * C conformance suite for the vodsign C ABI (include/vodsign.h).
 *
 *   conformance [VECTOR_DIR]      (default tests/vectors)
 *
 * Runs every case of VECTOR_DIR/{sign,decode,verify}.json through the C ABI, then C-only cases:
 * NULL for each pointer argument, invalid UTF-8, every buffer size, 8 threads sharing one signer,
 * create/free loops, status names and messages. Prints each failure and ends with
 * "N passed, N failed". Exit status 0 only when nothing failed.
 *
 * Environment:
 *   VODSIGN_C_THREAD_ITERS   signatures per thread in the thread test (default 100000)
 *   VODSIGN_C_LOOP_ITERS     iterations of each create/free loop (default 10000)
 *   VODSIGN_EXPECTED_VERSION when set, vodsign_version() must equal it (Cargo.toml's version)
 */
#define _POSIX_C_SOURCE 200809L

#include "vodsign.h"

#include "json.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------------------ */
/* Cases and checks                                                                            */

static int g_passed;
static int g_failed;
static char g_case[256];
static int g_case_failed;
static int g_in_case;
static int g_type_refusals;

static void begin(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_case, sizeof g_case, fmt, ap);
    va_end(ap);
    g_case_failed = 0;
    g_in_case = 1;
}

static void end(void) {
    if (g_case_failed) {
        g_failed++;
    } else {
        g_passed++;
    }
    g_in_case = 0;
}

/* Records a failed expectation in the current case (prints the case name on its first failure). */
static int expect(int ok, const char *fmt, ...) {
    va_list ap;
    if (ok) {
        return 1;
    }
    if (!g_case_failed) {
        printf("FAIL %s\n", g_case);
    }
    g_case_failed = 1;
    printf("    ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return 0;
}

static unsigned long env_count(const char *name, unsigned long dflt) {
    const char *v = getenv(name);
    char *end_ptr = NULL;
    unsigned long n;
    if (v == NULL || *v == '\0') {
        return dflt;
    }
    n = strtoul(v, &end_ptr, 10);
    return (end_ptr != NULL && *end_ptr == '\0') ? n : dflt;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* (pointer, length) of a NUL-terminated literal or string. */
#define TXT(s) (s), strlen(s)
#define KEY(s) (const uint8_t *)(s), strlen(s)

static const char *name_of(vodsign_status st) { return vodsign_status_name(st); }

/* The last error's message and param on this thread (empty on failure to read). */
static void last_error(char *msg, size_t msg_cap, char *param, size_t param_cap) {
    size_t n = 0;
    if (msg != NULL && vodsign_last_error_message(msg, msg_cap, &n) != VODSIGN_OK) {
        msg[0] = '\0';
    }
    if (param != NULL && vodsign_last_error_param(param, param_cap, &n) != VODSIGN_OK) {
        param[0] = '\0';
    }
}

/* Checks a status against a vector's "error" object: code name, param, and a message without the key. */
static void expect_error(vodsign_status st, const json_value *err, const char *key, size_t key_len) {
    const char *code = json_get_str(err, "code", NULL);
    const char *param = json_get_str(err, "param", NULL);
    char msg[2048], got_param[256];
    if (!expect(code != NULL, "vector has an error without a code")) {
        return;
    }
    expect(strcmp(name_of(st), code) == 0, "status %u (%s), expected %s", (unsigned)st, name_of(st), code);
    if (st == VODSIGN_OK) {
        return;
    }
    last_error(msg, sizeof msg, got_param, sizeof got_param);
    expect(strcmp(got_param, param == NULL ? "" : param) == 0, "last_error_param \"%s\", expected \"%s\"", got_param,
           param == NULL ? "" : param);
    expect(msg[0] != '\0', "last_error_message is empty");
    if (key != NULL && key_len >= 6) {
        char *k = xmalloc(key_len + 1);
        memcpy(k, key, key_len);
        k[key_len] = '\0';
        expect(strstr(msg, k) == NULL, "last_error_message contains the secret key: %s", msg);
        free(k);
    }
}

static void hex(const uint8_t *b, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Signs with sign_at into a buffer sized by max_signature_len; returns a malloc'd string or NULL. */
static char *sign_at_alloc(const vodsign_signer *s, const vodsign_options *o, uint64_t cts, uint64_t exp, uint32_t rnd,
                           vodsign_status *st) {
    size_t max = 0, len = 0;
    char *buf;
    *st = vodsign_signer_max_signature_len(s, o, &max);
    if (*st != VODSIGN_OK) {
        return NULL;
    }
    buf = xmalloc(max + 1);
    *st = vodsign_signer_sign_at(s, o, cts, exp, rnd, buf, max + 1, &len);
    if (*st != VODSIGN_OK) {
        free(buf);
        return NULL;
    }
    if (len != strlen(buf) || len > max) {
        expect(0, "signature length %zu, strlen %zu, bound %zu", len, strlen(buf), max);
    }
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* sign.json                                                                                   */

enum ptype { P_STR, P_U64, P_U8, P_I64 };

struct optparam {
    const char *name;
    enum ptype type;
};

/* The optional parameters in canonical order. */
static const struct optparam OPTIONAL[] = {
    {"procedure", P_STR},      {"classId", P_U64},     {"oneTimeValid", P_U8},
    {"sourceContext", P_STR},  {"taskPriority", P_I64}, {"taskNotifyMode", P_STR},
    {"vodSubAppId", P_U64},    {"sessionContext", P_STR}, {"storageRegion", P_STR},
};
#define N_OPTIONAL (sizeof OPTIONAL / sizeof OPTIONAL[0])

static vodsign_status set_typed(vodsign_options *o, const char *name, const json_value *v, int *representable) {
    uint64_t u;
    int64_t i;
    *representable = 1;
    if (strcmp(name, "procedure") == 0 && v->type == JSON_STRING) {
        return vodsign_options_set_procedure(o, v->str, v->len);
    }
    if (strcmp(name, "sourceContext") == 0 && v->type == JSON_STRING) {
        return vodsign_options_set_source_context(o, v->str, v->len);
    }
    if (strcmp(name, "taskNotifyMode") == 0 && v->type == JSON_STRING) {
        return vodsign_options_set_task_notify_mode(o, v->str, v->len);
    }
    if (strcmp(name, "sessionContext") == 0 && v->type == JSON_STRING) {
        return vodsign_options_set_session_context(o, v->str, v->len);
    }
    if (strcmp(name, "storageRegion") == 0 && v->type == JSON_STRING) {
        return vodsign_options_set_storage_region(o, v->str, v->len);
    }
    if (strcmp(name, "classId") == 0 && json_uint(v, &u) == 0) {
        return vodsign_options_set_class_id(o, u);
    }
    if (strcmp(name, "vodSubAppId") == 0 && json_uint(v, &u) == 0) {
        return vodsign_options_set_vod_sub_app_id(o, u);
    }
    if (strcmp(name, "oneTimeValid") == 0 && json_uint(v, &u) == 0 && u <= UINT8_MAX) {
        return vodsign_options_set_one_time_valid(o, (uint8_t)u);
    }
    if (strcmp(name, "taskPriority") == 0 && json_int(v, &i) == 0) {
        return vodsign_options_set_task_priority(o, i);
    }
    *representable = 0;
    return VODSIGN_OK;
}

/* Sets every optional parameter of `params` on `o`, in canonical order, through the typed setters
 * (by_name = 0) or vodsign_options_set_str/int (by_name = 1). A value the typed setter's C type
 * cannot hold goes through vodsign_options_set_int. Returns the first failing status (with
 * *failed_at = its index), or VODSIGN_OK. */
static vodsign_status set_options(vodsign_options *o, const json_value *params, int by_name, size_t *failed_at) {
    size_t k;
    for (k = 0; k < N_OPTIONAL; k++) {
        const json_value *v = json_get(params, OPTIONAL[k].name);
        vodsign_status st = VODSIGN_OK;
        int representable = 0;
        int64_t i;
        if (v == NULL) {
            continue;
        }
        if (!by_name) {
            st = set_typed(o, OPTIONAL[k].name, v, &representable);
        }
        if (by_name || !representable) {
            if (v->type == JSON_STRING) {
                st = vodsign_options_set_str(o, TXT(OPTIONAL[k].name), v->str, v->len);
            } else if (json_int(v, &i) == 0) {
                st = vodsign_options_set_int(o, TXT(OPTIONAL[k].name), i);
            } else {
                expect(0, "%s = %s fits neither the typed setter nor int64_t", OPTIONAL[k].name,
                       v->str == NULL ? "?" : v->str);
                st = VODSIGN_ERR_INVALID_PARAMETER;
            }
        }
        if (st != VODSIGN_OK) {
            *failed_at = k;
            return st;
        }
    }
    return VODSIGN_OK;
}

static void run_sign_case(const json_value *c) {
    const char *name = json_get_str(c, "name", NULL);
    size_t key_len = 0, id_len = 0;
    const char *key = json_get_str(c, "secretKey", &key_len);
    const json_value *params = json_get(c, "params");
    const json_value *err = json_get(c, "error");
    const char *secret_id = json_get_str(params, "secretId", &id_len);
    const char *want_sig = json_get_str(c, "signature", NULL);
    size_t want_orig_len = 0;
    const char *want_orig = json_get_str(c, "original", &want_orig_len);
    vodsign_signer *signer = NULL;
    vodsign_options *opts = NULL;
    vodsign_status st;
    uint64_t cts = 0, exp = 0, rnd = 0;
    const char *unrepresentable = NULL;
    size_t failed_at = 0;
    char *sig = NULL;

    begin("sign.json: %s", name == NULL ? "?" : name);
    if (!expect(key != NULL && params != NULL && secret_id != NULL, "case lacks secretKey, params or secretId")) {
        end();
        return;
    }
    if (!expect(err != NULL || (want_sig != NULL && want_orig != NULL), "case has neither error nor signature")) {
        end();
        return;
    }

    /* The required parameters, in canonical order: secretId is checked by vodsign_signer_new. */
    st = vodsign_signer_new(secret_id, id_len, (const uint8_t *)key, key_len, &signer);
    if (st != VODSIGN_OK) {
        expect(err != NULL, "vodsign_signer_new failed: %s", name_of(st));
        if (err != NULL) {
            expect_error(st, err, key, key_len);
        }
        end();
        return;
    }
    if (json_uint(json_get(params, "currentTimeStamp"), &cts) != 0) {
        unrepresentable = "currentTimeStamp";
    } else if (json_uint(json_get(params, "expireTime"), &exp) != 0) {
        unrepresentable = "expireTime";
    } else if (json_uint(json_get(params, "random"), &rnd) != 0 || rnd > UINT32_MAX) {
        unrepresentable = "random";
    }
    if (unrepresentable != NULL) {
        /* The C types of vodsign_signer_sign_at (uint64_t, uint32_t) cannot carry the value: the
         * type refuses it, which must be what the vector expects. */
        const char *code = json_get_str(err, "code", NULL);
        const char *param = json_get_str(err, "param", NULL);
        expect(err != NULL && code != NULL && strcmp(code, "invalid_parameter") == 0 && param != NULL &&
                   strcmp(param, unrepresentable) == 0,
               "%s is out of range of its C type, but the vector does not expect invalid_parameter for it",
               unrepresentable);
        g_type_refusals++;
        vodsign_signer_free(signer);
        end();
        return;
    }

    /* Typed setters (and set_int for values their C types cannot hold). */
    if (vodsign_options_new(&opts) != VODSIGN_OK) {
        expect(0, "vodsign_options_new failed");
        vodsign_signer_free(signer);
        end();
        return;
    }
    st = set_options(opts, params, 0, &failed_at);
    if (st != VODSIGN_OK) {
        /* A setter refused a value now; an earlier parameter (checked only when signing) must
         * still win, so sign with what was set before it. */
        vodsign_status st2;
        sig = sign_at_alloc(signer, opts, cts, exp, (uint32_t)rnd, &st2);
        if (st2 != VODSIGN_OK && strcmp(name_of(st2), "invalid_parameter") == 0) {
            st = st2;
        }
        free(sig);
        sig = NULL;
        expect(err != NULL, "setting %s failed: %s", OPTIONAL[failed_at].name, name_of(st));
        if (err != NULL) {
            expect_error(st, err, key, key_len);
        }
    } else {
        sig = sign_at_alloc(signer, opts, cts, exp, (uint32_t)rnd, &st);
        if (err != NULL) {
            expect(st != VODSIGN_OK, "signed, but the vector expects %s", json_get_str(err, "code", NULL));
            expect_error(st, err, key, key_len);
        } else if (expect(st == VODSIGN_OK, "sign_at failed: %s", name_of(st))) {
            vodsign_decoded *d = NULL;
            expect(strcmp(sig, want_sig) == 0, "signature\n      got  %s\n      want %s", sig, want_sig);
            /* The signature decodes to the expected original and verifies with the key. */
            st = vodsign_verify(TXT(sig), (const uint8_t *)key, key_len, cts, 0, &d);
            if (expect(st == VODSIGN_OK, "verify of own signature: %s", name_of(st))) {
                char *orig = xmalloc(want_orig_len + 1);
                size_t len = 0;
                st = vodsign_decoded_original(d, orig, want_orig_len + 1, &len);
                expect(st == VODSIGN_OK && len == want_orig_len && memcmp(orig, want_orig, len) == 0,
                       "original differs: %s", name_of(st));
                free(orig);
            }
            vodsign_decoded_free(d);
        }
    }
    vodsign_options_free(opts);
    opts = NULL;

    /* The same through the by-name setters. */
    if (err == NULL && vodsign_options_new(&opts) == VODSIGN_OK) {
        int fits = 1;
        size_t k;
        for (k = 0; k < N_OPTIONAL; k++) {
            int64_t i;
            const json_value *v = json_get(params, OPTIONAL[k].name);
            if (v != NULL && v->type == JSON_NUMBER && json_int(v, &i) != 0) {
                fits = 0; /* above INT64_MAX: only the typed setter takes it */
            }
        }
        if (fits) {
            st = set_options(opts, params, 1, &failed_at);
            if (expect(st == VODSIGN_OK, "by-name setter for %s failed: %s", OPTIONAL[failed_at].name, name_of(st))) {
                char *sig2 = sign_at_alloc(signer, opts, cts, exp, (uint32_t)rnd, &st);
                expect(st == VODSIGN_OK && strcmp(sig2, want_sig) == 0, "by-name signature differs (%s)", name_of(st));
                free(sig2);
            }
        }
        vodsign_options_free(opts);
    }
    free(sig);
    vodsign_signer_free(signer);
    end();
}

/* ------------------------------------------------------------------------------------------ */
/* decode.json                                                                                 */

typedef vodsign_status (*text_getter)(const vodsign_decoded *, char *, size_t, size_t *);

/* Every getter of a decoded signature that writes text, by name. */
static const struct {
    const char *name;
    text_getter fn;
} TEXT_GETTERS[] = {
    {"vodsign_decoded_original", vodsign_decoded_original},
    {"vodsign_decoded_secret_id", vodsign_decoded_secret_id},
    {"vodsign_decoded_procedure", vodsign_decoded_procedure},
    {"vodsign_decoded_source_context", vodsign_decoded_source_context},
    {"vodsign_decoded_task_notify_mode", vodsign_decoded_task_notify_mode},
    {"vodsign_decoded_session_context", vodsign_decoded_session_context},
    {"vodsign_decoded_storage_region", vodsign_decoded_storage_region},
};
#define N_TEXT_GETTERS (sizeof TEXT_GETTERS / sizeof TEXT_GETTERS[0])

static void check_text_getter(const vodsign_decoded *d, const char *param, text_getter get, const json_value *pairs) {
    size_t i, len = 0;
    const json_value *want = NULL;
    char *buf;
    vodsign_status st;
    for (i = 0; i < pairs->count; i++) {
        const json_value *p = pairs->items[i];
        if (p->count == 2 && strcmp(p->items[0]->str, param) == 0) {
            want = p->items[1];
        }
    }
    st = get(d, NULL, 0, &len);
    if (want == NULL) {
        expect(st == VODSIGN_ERR_NOT_PRESENT, "getter for absent %s: %s", param, name_of(st));
        return;
    }
    if (!expect(st == VODSIGN_ERR_BUFFER_TOO_SMALL && len == want->len, "length query for %s: %s, %zu (want %zu)",
                param, name_of(st), len, want->len)) {
        return;
    }
    buf = xmalloc(len + 1);
    st = get(d, buf, len + 1, &len);
    expect(st == VODSIGN_OK && len == want->len && memcmp(buf, want->str, len) == 0 && buf[len] == '\0',
           "getter for %s differs", param);
    free(buf);
}

/* The expected integer value of a known parameter from its decoded text ("000220625" is 220625). */
static int text_int(const char *s, int64_t *i, uint64_t *u) {
    int neg = *s == '-';
    const char *p = neg ? s + 1 : s;
    uint64_t m = 0;
    if (*p == '\0') {
        return -1;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || m > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
            return -1;
        }
        m = m * 10 + (uint64_t)(*p - '0');
    }
    *u = neg ? 0 : m;
    *i = neg ? -(int64_t)m : (int64_t)m;
    return 0;
}

static const char *pair_value(const json_value *pairs, const char *key) {
    size_t i;
    for (i = 0; i < pairs->count; i++) {
        const json_value *p = pairs->items[i];
        if (p->count == 2 && strcmp(p->items[0]->str, key) == 0) {
            return p->items[1]->str;
        }
    }
    return NULL;
}

/* The warnings of a decoded signature: their codes are the vector's `warnings`, in order; each has
 * a message, and a parameter exactly when it is not validity_too_long. */
static void check_warnings(const vodsign_decoded *d, const json_value *c) {
    const json_value *want = json_get(c, "warnings");
    char text[512];
    size_t count = 0, len = 0, i;
    vodsign_status st;

    if (!expect(want != NULL && want->type == JSON_ARRAY, "case lacks warnings")) {
        return;
    }
    st = vodsign_decoded_warning_count(d, &count);
    expect(st == VODSIGN_OK && count == want->count, "warning count %zu, want %zu (%s)", count, want->count,
           name_of(st));
    for (i = 0; i < count && i < want->count; i++) {
        int names_param;
        st = vodsign_decoded_warning_code(d, i, text, sizeof text, &len);
        expect(st == VODSIGN_OK && len == want->items[i]->len && strcmp(text, want->items[i]->str) == 0,
               "warning %zu is %s, want %s (%s)", i, text, want->items[i]->str, name_of(st));
        names_param = strcmp(text, "validity_too_long") != 0;
        st = vodsign_decoded_warning_message(d, i, text, sizeof text, &len);
        expect(st == VODSIGN_OK && len > 0 && strlen(text) == len, "warning %zu message: %s", i, name_of(st));
        st = vodsign_decoded_warning_param(d, i, text, sizeof text, &len);
        expect(names_param ? st == VODSIGN_OK : st == VODSIGN_ERR_NOT_PRESENT, "warning %zu param: %s", i,
               name_of(st));
    }
    st = vodsign_decoded_warning_code(d, count, text, sizeof text, &len);
    expect(st == VODSIGN_ERR_OUT_OF_RANGE, "warning_code(count): %s", name_of(st));
    st = vodsign_decoded_warning_message(d, count, NULL, 0, &len);
    expect(st == VODSIGN_ERR_OUT_OF_RANGE, "warning_message(count): %s", name_of(st));
}

static void check_decoded(const vodsign_decoded *d, const json_value *c) {
    const char *want_mac = json_get_str(c, "mac", NULL);
    size_t want_orig_len = 0;
    const char *want_orig = json_get_str(c, "original", &want_orig_len);
    const json_value *pairs = json_get(c, "params");
    uint8_t mac[VODSIGN_MAC_LEN];
    char mac_hex[2 * VODSIGN_MAC_LEN + 1];
    size_t len = 0, count = 0, i;
    char *buf;
    vodsign_status st;
    const char *v;
    int64_t si;
    uint64_t u, got;
    uint8_t got8;
    int64_t gots;

    if (!expect(want_mac != NULL && want_orig != NULL && pairs != NULL && pairs->type == JSON_ARRAY,
                "case lacks mac, original or params")) {
        return;
    }
    st = vodsign_decoded_mac(d, mac, sizeof mac, &len);
    hex(mac, sizeof mac, mac_hex);
    expect(st == VODSIGN_OK && len == VODSIGN_MAC_LEN && strcmp(mac_hex, want_mac) == 0, "mac %s, want %s", mac_hex,
           want_mac);

    buf = xmalloc(want_orig_len + 1);
    st = vodsign_decoded_original(d, buf, want_orig_len + 1, &len);
    expect(st == VODSIGN_OK && len == want_orig_len && memcmp(buf, want_orig, len) == 0, "original differs (%s)",
           name_of(st));
    free(buf);

    st = vodsign_decoded_param_count(d, &count);
    expect(st == VODSIGN_OK && count == pairs->count, "param count %zu, want %zu", count, pairs->count);
    for (i = 0; i < pairs->count && i < count; i++) {
        const json_value *p = pairs->items[i];
        const json_value *k = p->items[0], *val = p->items[1];
        char *kb = xmalloc(k->len + 1), *vb = xmalloc(val->len + 1);
        st = vodsign_decoded_param_key(d, i, kb, k->len + 1, &len);
        expect(st == VODSIGN_OK && len == k->len && memcmp(kb, k->str, len) == 0, "key %zu differs (%s)", i,
               name_of(st));
        st = vodsign_decoded_param_value(d, i, vb, val->len + 1, &len);
        expect(st == VODSIGN_OK && len == val->len && memcmp(vb, val->str, len) == 0, "value %zu differs (%s)", i,
               name_of(st));
        st = vodsign_decoded_get(d, k->str, k->len, vb, val->len + 1, &len);
        expect(st == VODSIGN_OK && len == val->len && memcmp(vb, val->str, len) == 0, "get(%s) differs (%s)", k->str,
               name_of(st));
        free(kb);
        free(vb);
    }
    st = vodsign_decoded_param_key(d, count, NULL, 0, &len);
    expect(st == VODSIGN_ERR_OUT_OF_RANGE, "param_key(count): %s", name_of(st));

    /* Typed getters agree with the pairs. */
    check_text_getter(d, "secretId", vodsign_decoded_secret_id, pairs);
    check_text_getter(d, "procedure", vodsign_decoded_procedure, pairs);
    check_text_getter(d, "sourceContext", vodsign_decoded_source_context, pairs);
    check_text_getter(d, "taskNotifyMode", vodsign_decoded_task_notify_mode, pairs);
    check_text_getter(d, "sessionContext", vodsign_decoded_session_context, pairs);
    check_text_getter(d, "storageRegion", vodsign_decoded_storage_region, pairs);

#define CHECK_REQUIRED(wire, fn)                                                                                   \
    do {                                                                                                           \
        v = pair_value(pairs, wire);                                                                               \
        st = fn(d, &got);                                                                                          \
        expect(v != NULL && text_int(v, &si, &u) == 0 && st == VODSIGN_OK && got == u, "%s: %s, %" PRIu64, wire, \
               name_of(st), got);                                                                                  \
    } while (0)
#define CHECK_OPTIONAL(wire, fn, var, want)                                                                        \
    do {                                                                                                           \
        v = pair_value(pairs, wire);                                                                               \
        st = fn(d, &var);                                                                                          \
        if (v == NULL || v[0] == '\0') { /* an empty optional integer is not set */                                \
            expect(st == VODSIGN_ERR_NOT_PRESENT, "%s absent or empty: %s", wire, name_of(st));                    \
        } else {                                                                                                   \
            expect(text_int(v, &si, &u) == 0 && st == VODSIGN_OK && (want), "%s: %s", wire, name_of(st));         \
        }                                                                                                          \
    } while (0)

    got = 0;
    CHECK_REQUIRED("currentTimeStamp", vodsign_decoded_current_time_stamp);
    CHECK_REQUIRED("expireTime", vodsign_decoded_expire_time);
    CHECK_REQUIRED("random", vodsign_decoded_random);
    got = 0;
    got8 = 0;
    gots = 0;
    CHECK_OPTIONAL("classId", vodsign_decoded_class_id, got, got == u);
    CHECK_OPTIONAL("vodSubAppId", vodsign_decoded_vod_sub_app_id, got, got == u);
    CHECK_OPTIONAL("oneTimeValid", vodsign_decoded_one_time_valid, got8, got8 == u);
    CHECK_OPTIONAL("taskPriority", vodsign_decoded_task_priority, gots, gots == si);
#undef CHECK_REQUIRED
#undef CHECK_OPTIONAL
}

static void run_decode_case(const json_value *c) {
    const char *name = json_get_str(c, "name", NULL);
    size_t sig_len = 0;
    const char *sig = json_get_str(c, "signature", &sig_len);
    const json_value *err = json_get(c, "error");
    vodsign_decoded *d = NULL;
    vodsign_status st;
    uint64_t left = 0;

    begin("decode.json: %s", name == NULL ? "?" : name);
    if (!expect(sig != NULL, "case lacks a signature")) {
        end();
        return;
    }
    st = vodsign_decode(sig, sig_len, &d);
    if (err != NULL) {
        expect(d == NULL, "decode wrote *out on failure");
        expect_error(st, err, NULL, 0);
        /* seconds_left fails the same way. */
        expect(vodsign_seconds_left(sig, sig_len, 0, &left) == st, "seconds_left fails differently");
    } else if (expect(st == VODSIGN_OK, "decode failed: %s", name_of(st))) {
        uint64_t exp = 0, l2 = 0;
        check_decoded(d, c);
        check_warnings(d, c);
        vodsign_decoded_expire_time(d, &exp);
        st = vodsign_seconds_left(sig, sig_len, 0, &left);
        vodsign_decoded_seconds_left(d, 0, &l2);
        expect(st == VODSIGN_OK && left == exp && l2 == exp, "seconds_left at 0: %" PRIu64 ", want %" PRIu64, left,
               exp);
    }
    vodsign_decoded_free(d);
    end();
}

/* ------------------------------------------------------------------------------------------ */
/* verify.json                                                                                 */

static void run_verify_case(const json_value *c) {
    const char *name = json_get_str(c, "name", NULL);
    size_t sig_len = 0, key_len = 0;
    const char *sig = json_get_str(c, "signature", &sig_len);
    const char *key = json_get_str(c, "secretKey", &key_len);
    const json_value *err = json_get(c, "error");
    const json_value *valid = json_get(c, "valid");
    uint64_t now = 0, skew = 0, want_left = 0, left = 0;
    vodsign_decoded *d = NULL;
    vodsign_status st;

    begin("verify.json: %s", name == NULL ? "?" : name);
    if (!expect(sig != NULL && key != NULL && valid != NULL && json_uint(json_get(c, "now"), &now) == 0 &&
                    json_uint(json_get(c, "skew"), &skew) == 0,
                "case lacks signature, secretKey, valid, now or skew")) {
        end();
        return;
    }
    st = vodsign_verify(sig, sig_len, (const uint8_t *)key, key_len, now, skew, &d);
    if (valid->type == JSON_TRUE) {
        if (expect(st == VODSIGN_OK, "verify failed: %s", name_of(st)) &&
            expect(json_uint(json_get(c, "secondsLeft"), &want_left) == 0, "valid case lacks secondsLeft")) {
            st = vodsign_decoded_seconds_left(d, now, &left);
            expect(st == VODSIGN_OK && left == want_left, "decoded seconds_left %" PRIu64 ", want %" PRIu64, left,
                   want_left);
            left = 0;
            st = vodsign_seconds_left(sig, sig_len, now, &left);
            expect(st == VODSIGN_OK && left == want_left, "seconds_left %" PRIu64 ", want %" PRIu64, left, want_left);
        }
    } else {
        expect(d == NULL, "verify wrote *out on failure");
        expect(err != NULL, "invalid case lacks error");
        if (err != NULL) {
            expect_error(st, err, key, key_len);
        }
    }
    vodsign_decoded_free(d);
    end();
}

static void run_vectors(const char *dir) {
    static const char *files[] = {"sign", "decode", "verify"};
    size_t f, i;
    for (f = 0; f < 3; f++) {
        char path[4096], err[256];
        json_value *doc;
        const json_value *cases;
        snprintf(path, sizeof path, "%s/%s.json", dir, files[f]);
        doc = json_parse_file(path, err, sizeof err);
        cases = json_get(doc, "cases");
        begin("vectors: %s.json parses and has cases", files[f]);
        expect(doc != NULL, "%s", err);
        expect(cases != NULL && cases->type == JSON_ARRAY && cases->count > 0, "no cases in %s", path);
        end();
        if (cases == NULL || cases->type != JSON_ARRAY) {
            json_free(doc);
            continue;
        }
        for (i = 0; i < cases->count; i++) {
            if (f == 0) {
                run_sign_case(cases->items[i]);
            } else if (f == 1) {
                run_decode_case(cases->items[i]);
            } else {
                run_verify_case(cases->items[i]);
            }
        }
        json_free(doc);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Fixtures for the C-only cases                                                               */

static const char *ID = "AKIDexample";
static const char *SECRET = "the-secret-key-42";

static vodsign_signer *new_signer(void) {
    vodsign_signer *s = NULL;
    if (vodsign_signer_new(TXT(ID), KEY(SECRET), &s) != VODSIGN_OK) {
        fprintf(stderr, "fixture: vodsign_signer_new failed\n");
        exit(2);
    }
    return s;
}

/* Options with every optional parameter set (some text percent-escaped, some multi-byte). */
static vodsign_options *full_options(void) {
    vodsign_options *o = NULL;
    if (vodsign_options_new(&o) != VODSIGN_OK || vodsign_options_set_procedure(o, TXT("QCVB_SimpleProcessFile({1,1})")) ||
        vodsign_options_set_class_id(o, 1001) || vodsign_options_set_one_time_valid(o, 1) ||
        vodsign_options_set_source_context(o, TXT("user=42&file=a b.mp4 \xe4\xb8\xad\xe6\x96\x87")) ||
        vodsign_options_set_task_priority(o, -3) || vodsign_options_set_task_notify_mode(o, TXT("Change")) ||
        vodsign_options_set_vod_sub_app_id(o, 1500000001) ||
        vodsign_options_set_session_context(o, TXT("session \xf0\x9f\x8e\xac")) ||
        vodsign_options_set_storage_region(o, TXT("ap-chongqing")) || vodsign_options_set_validity(o, 3600)) {
        fprintf(stderr, "fixture: setting options failed\n");
        exit(2);
    }
    return o;
}

static const uint64_t CTS = 1700000000;
static const uint64_t EXP = 1700086400;
static const uint32_t RND = 220625;

static char *full_signature(const vodsign_signer *s, const vodsign_options *o) {
    vodsign_status st;
    char *sig = sign_at_alloc(s, o, CTS, EXP, RND, &st);
    if (sig == NULL) {
        fprintf(stderr, "fixture: signing failed: %s\n", name_of(st));
        exit(2);
    }
    return sig;
}

static vodsign_decoded *decode_or_die(const char *sig) {
    vodsign_decoded *d = NULL;
    if (vodsign_decode(TXT(sig), &d) != VODSIGN_OK) {
        fprintf(stderr, "fixture: decode failed\n");
        exit(2);
    }
    return d;
}

/* ------------------------------------------------------------------------------------------ */
/* Status codes, version                                                                       */

struct known_status {
    vodsign_status code;
    const char *name;
};

static const struct known_status KNOWN[] = {
    {VODSIGN_OK, "ok"},
    {VODSIGN_ERR_INVALID_PARAMETER, "invalid_parameter"},
    {VODSIGN_ERR_VALIDITY_TOO_LONG, "validity_too_long"},
    {VODSIGN_ERR_NOT_BASE64, "not_base64"},
    {VODSIGN_ERR_TOO_SHORT, "too_short"},
    {VODSIGN_ERR_NOT_UTF8, "not_utf8"},
    {VODSIGN_ERR_MALFORMED_QUERY, "malformed_query"},
    {VODSIGN_ERR_MISSING_PARAMETER, "missing_parameter"},
    {VODSIGN_ERR_NOT_AN_INTEGER, "not_an_integer"},
    {VODSIGN_ERR_DUPLICATE_PARAMETER, "duplicate_parameter"},
    {VODSIGN_ERR_BAD_MAC, "bad_mac"},
    {VODSIGN_ERR_EXPIRED, "expired"},
    {VODSIGN_ERR_NOT_YET_VALID, "not_yet_valid"},
    {VODSIGN_ERR_CLOCK, "clock"},
    {VODSIGN_ERR_RANDOM, "random"},
    {VODSIGN_ERR_NULL_ARGUMENT, "null_argument"},
    {VODSIGN_ERR_INVALID_UTF8_ARGUMENT, "invalid_utf8_argument"},
    {VODSIGN_ERR_BUFFER_TOO_SMALL, "buffer_too_small"},
    {VODSIGN_ERR_PANIC, "panic"},
    {VODSIGN_ERR_NOT_PRESENT, "not_present"},
    {VODSIGN_ERR_OUT_OF_RANGE, "out_of_range"},
};
#define N_KNOWN (sizeof KNOWN / sizeof KNOWN[0])

static void test_status_codes(void) {
    size_t i, j;
    uint32_t code;
    /* Fixed numbers: the table in the header must not drift. */
    static const uint32_t numbers[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 100, 101, 102, 103, 104, 105};
    begin("status: fixed numbers");
    for (i = 0; i < N_KNOWN; i++) {
        expect(KNOWN[i].code == numbers[i], "%s is %u, expected %u", KNOWN[i].name, (unsigned)KNOWN[i].code,
               (unsigned)numbers[i]);
    }
    end();
    for (i = 0; i < N_KNOWN; i++) {
        const char *msg = vodsign_status_message(KNOWN[i].code);
        const char *nm = vodsign_status_name(KNOWN[i].code);
        begin("status: message and name of %s (%u)", KNOWN[i].name, (unsigned)KNOWN[i].code);
        expect(msg != NULL && msg[0] != '\0' && strcmp(msg, "unknown status code") != 0, "message \"%s\"",
               msg == NULL ? "(null)" : msg);
        expect(nm != NULL && strcmp(nm, KNOWN[i].name) == 0, "name \"%s\"", nm == NULL ? "(null)" : nm);
        for (j = 0; j < i; j++) {
            expect(strcmp(msg, vodsign_status_message(KNOWN[j].code)) != 0, "same message as %s", KNOWN[j].name);
        }
        end();
    }
    begin("status: every other code is unknown");
    for (code = 0; code < 70000; code++) {
        int known = 0;
        for (j = 0; j < N_KNOWN; j++) {
            known |= KNOWN[j].code == code;
        }
        if (!known) {
            const char *msg = vodsign_status_message(code);
            const char *nm = vodsign_status_name(code);
            if (!expect(msg != NULL && strcmp(msg, "unknown status code") == 0 && nm != NULL && strcmp(nm, "unknown") == 0,
                        "code %u: \"%s\" / \"%s\"", (unsigned)code, msg == NULL ? "(null)" : msg,
                        nm == NULL ? "(null)" : nm)) {
                break;
            }
        }
    }
    expect(strcmp(vodsign_status_message(UINT32_MAX), "unknown status code") == 0, "UINT32_MAX");
    expect(strcmp(vodsign_status_name(UINT32_MAX), "unknown") == 0, "UINT32_MAX name");
    end();
}

static void test_version(void) {
    char want[64];
    const char *v = vodsign_version();
    const char *expected = getenv("VODSIGN_EXPECTED_VERSION");
    begin("version: vodsign_version() matches VODSIGN_VERSION_* macros");
    snprintf(want, sizeof want, "%d.%d.%d", VODSIGN_VERSION_MAJOR, VODSIGN_VERSION_MINOR, VODSIGN_VERSION_PATCH);
    expect(v != NULL && strcmp(v, want) == 0, "vodsign_version() \"%s\", macros \"%s\"", v == NULL ? "(null)" : v, want);
    end();
    if (expected != NULL && *expected != '\0') {
        begin("version: vodsign_version() matches Cargo.toml");
        expect(strcmp(v, expected) == 0, "vodsign_version() \"%s\", Cargo.toml \"%s\"", v, expected);
        end();
    }
}

/* ------------------------------------------------------------------------------------------ */
/* NULL arguments                                                                              */

/* Expects VODSIGN_ERR_NULL_ARGUMENT and a last-error message naming `arg`. */
static void expect_null(const char *fn, const char *arg, vodsign_status st) {
    char msg[512];
    begin("null: %s(%s = NULL)", fn, arg);
    expect(st == VODSIGN_ERR_NULL_ARGUMENT, "status %s", name_of(st));
    last_error(msg, sizeof msg, NULL, 0);
    expect(strstr(msg, fn) != NULL && strstr(msg, arg) != NULL, "last error \"%s\" names neither %s nor %s", msg, fn,
           arg);
    end();
}

static void test_null_arguments(void) {
    vodsign_signer *s = new_signer();
    vodsign_options *o = full_options();
    char *sig = full_signature(s, o);
    vodsign_decoded *d = decode_or_die(sig);
    vodsign_signer *sout = (vodsign_signer *)&sout; /* sentinels: must stay untouched */
    vodsign_options *oout = (vodsign_options *)&oout;
    vodsign_decoded *dout = (vodsign_decoded *)&dout;
    char buf[4096];
    size_t len = 12345, n = 0;
    uint64_t u = 77;
    uint8_t u8 = 7, mac[VODSIGN_MAC_LEN];
    int64_t i64 = 7;
    size_t k;

    /* Handles out */
    expect_null("vodsign_options_new", "out", vodsign_options_new(NULL));
    expect_null("vodsign_signer_new", "secret_id", vodsign_signer_new(NULL, 3, KEY(SECRET), &sout));
    expect_null("vodsign_signer_new", "secret_id", vodsign_signer_new(NULL, 0, KEY(SECRET), &sout));
    expect_null("vodsign_signer_new", "secret_key", vodsign_signer_new(TXT(ID), NULL, 3, &sout));
    expect_null("vodsign_signer_new", "secret_key", vodsign_signer_new(TXT(ID), NULL, 0, &sout));
    expect_null("vodsign_signer_new", "out", vodsign_signer_new(TXT(ID), KEY(SECRET), NULL));
    begin("null: vodsign_signer_new leaves *out untouched on failure");
    expect(sout == (vodsign_signer *)&sout, "*out changed");
    end();

    /* Setters */
    expect_null("vodsign_options_set_procedure", "options", vodsign_options_set_procedure(NULL, TXT("x")));
    expect_null("vodsign_options_set_procedure", "value", vodsign_options_set_procedure(o, NULL, 1));
    expect_null("vodsign_options_set_source_context", "options", vodsign_options_set_source_context(NULL, TXT("x")));
    expect_null("vodsign_options_set_source_context", "value", vodsign_options_set_source_context(o, NULL, 0));
    expect_null("vodsign_options_set_task_notify_mode", "options",
                vodsign_options_set_task_notify_mode(NULL, TXT("None")));
    expect_null("vodsign_options_set_task_notify_mode", "value", vodsign_options_set_task_notify_mode(o, NULL, 4));
    expect_null("vodsign_options_set_session_context", "options", vodsign_options_set_session_context(NULL, TXT("x")));
    expect_null("vodsign_options_set_session_context", "value", vodsign_options_set_session_context(o, NULL, 1));
    expect_null("vodsign_options_set_storage_region", "options",
                vodsign_options_set_storage_region(NULL, TXT("ap-beijing")));
    expect_null("vodsign_options_set_storage_region", "value", vodsign_options_set_storage_region(o, NULL, 1));
    expect_null("vodsign_options_set_class_id", "options", vodsign_options_set_class_id(NULL, 1));
    expect_null("vodsign_options_set_one_time_valid", "options", vodsign_options_set_one_time_valid(NULL, 1));
    expect_null("vodsign_options_set_task_priority", "options", vodsign_options_set_task_priority(NULL, 1));
    expect_null("vodsign_options_set_vod_sub_app_id", "options", vodsign_options_set_vod_sub_app_id(NULL, 1));
    expect_null("vodsign_options_set_validity", "options", vodsign_options_set_validity(NULL, 60));
    expect_null("vodsign_options_set_str", "options", vodsign_options_set_str(NULL, TXT("procedure"), TXT("x")));
    expect_null("vodsign_options_set_str", "name", vodsign_options_set_str(o, NULL, 9, TXT("x")));
    expect_null("vodsign_options_set_str", "value", vodsign_options_set_str(o, TXT("procedure"), NULL, 1));
    expect_null("vodsign_options_set_int", "options", vodsign_options_set_int(NULL, TXT("classId"), 1));
    expect_null("vodsign_options_set_int", "name", vodsign_options_set_int(o, NULL, 7, 1));

    /* Signing */
    expect_null("vodsign_signer_max_signature_len", "signer", vodsign_signer_max_signature_len(NULL, o, &n));
    expect_null("vodsign_signer_max_signature_len", "options", vodsign_signer_max_signature_len(s, NULL, &n));
    expect_null("vodsign_signer_max_signature_len", "out", vodsign_signer_max_signature_len(s, o, NULL));
    expect_null("vodsign_signer_sign", "signer", vodsign_signer_sign(NULL, o, buf, sizeof buf, &len));
    expect_null("vodsign_signer_sign", "options", vodsign_signer_sign(s, NULL, buf, sizeof buf, &len));
    expect_null("vodsign_signer_sign", "out", vodsign_signer_sign(s, o, NULL, sizeof buf, &len));
    expect_null("vodsign_signer_sign", "out_len", vodsign_signer_sign(s, o, buf, sizeof buf, NULL));
    expect_null("vodsign_signer_sign_at", "signer", vodsign_signer_sign_at(NULL, o, CTS, EXP, RND, buf, sizeof buf, &len));
    expect_null("vodsign_signer_sign_at", "options", vodsign_signer_sign_at(s, NULL, CTS, EXP, RND, buf, sizeof buf, &len));
    expect_null("vodsign_signer_sign_at", "out", vodsign_signer_sign_at(s, o, CTS, EXP, RND, NULL, 10, &len));
    expect_null("vodsign_signer_sign_at", "out_len", vodsign_signer_sign_at(s, o, CTS, EXP, RND, buf, sizeof buf, NULL));
    begin("null: outputs untouched after NULL-argument failures");
    expect(len == 12345 && n == 0, "len %zu, n %zu", len, n);
    end();

    /* Decoding and verifying */
    expect_null("vodsign_decode", "signature", vodsign_decode(NULL, 10, &dout));
    expect_null("vodsign_decode", "out", vodsign_decode(TXT(sig), NULL));
    expect_null("vodsign_verify", "signature", vodsign_verify(NULL, 10, KEY(SECRET), CTS, 300, &dout));
    expect_null("vodsign_verify", "secret_key", vodsign_verify(TXT(sig), NULL, 5, CTS, 300, &dout));
    expect_null("vodsign_verify", "out", vodsign_verify(TXT(sig), KEY(SECRET), CTS, 300, NULL));
    expect_null("vodsign_seconds_left", "signature", vodsign_seconds_left(NULL, 5, CTS, &u));
    expect_null("vodsign_seconds_left", "out", vodsign_seconds_left(TXT(sig), CTS, NULL));
    begin("null: vodsign_decode/verify leave *out untouched on failure");
    expect(dout == (vodsign_decoded *)&dout && u == 77, "*out changed");
    end();

    /* Decoded getters */
    expect_null("vodsign_decoded_seconds_left", "decoded", vodsign_decoded_seconds_left(NULL, CTS, &u));
    expect_null("vodsign_decoded_seconds_left", "out", vodsign_decoded_seconds_left(d, CTS, NULL));
    expect_null("vodsign_decoded_mac", "decoded", vodsign_decoded_mac(NULL, mac, sizeof mac, &len));
    expect_null("vodsign_decoded_mac", "out", vodsign_decoded_mac(d, NULL, sizeof mac, &len));
    expect_null("vodsign_decoded_mac", "out_len", vodsign_decoded_mac(d, mac, sizeof mac, NULL));
    expect_null("vodsign_decoded_param_count", "decoded", vodsign_decoded_param_count(NULL, &n));
    expect_null("vodsign_decoded_param_count", "out", vodsign_decoded_param_count(d, NULL));
    expect_null("vodsign_decoded_param_key", "decoded", vodsign_decoded_param_key(NULL, 0, buf, sizeof buf, &len));
    expect_null("vodsign_decoded_param_key", "out", vodsign_decoded_param_key(d, 0, NULL, sizeof buf, &len));
    expect_null("vodsign_decoded_param_key", "out_len", vodsign_decoded_param_key(d, 0, buf, sizeof buf, NULL));
    expect_null("vodsign_decoded_param_value", "decoded", vodsign_decoded_param_value(NULL, 0, buf, sizeof buf, &len));
    expect_null("vodsign_decoded_param_value", "out", vodsign_decoded_param_value(d, 0, NULL, sizeof buf, &len));
    expect_null("vodsign_decoded_param_value", "out_len", vodsign_decoded_param_value(d, 0, buf, sizeof buf, NULL));
    expect_null("vodsign_decoded_get", "decoded", vodsign_decoded_get(NULL, TXT("random"), buf, sizeof buf, &len));
    expect_null("vodsign_decoded_get", "name", vodsign_decoded_get(d, NULL, 6, buf, sizeof buf, &len));
    expect_null("vodsign_decoded_get", "out", vodsign_decoded_get(d, TXT("random"), NULL, sizeof buf, &len));
    expect_null("vodsign_decoded_get", "out_len", vodsign_decoded_get(d, TXT("random"), buf, sizeof buf, NULL));
    {
        for (k = 0; k < N_TEXT_GETTERS; k++) {
            expect_null(TEXT_GETTERS[k].name, "decoded", TEXT_GETTERS[k].fn(NULL, buf, sizeof buf, &len));
            expect_null(TEXT_GETTERS[k].name, "out", TEXT_GETTERS[k].fn(d, NULL, sizeof buf, &len));
            expect_null(TEXT_GETTERS[k].name, "out_len", TEXT_GETTERS[k].fn(d, buf, sizeof buf, NULL));
        }
    }
    {
        static const struct {
            const char *name;
            vodsign_status (*fn)(const vodsign_decoded *, uint64_t *);
        } u64_getters[] = {
            {"vodsign_decoded_current_time_stamp", vodsign_decoded_current_time_stamp},
            {"vodsign_decoded_expire_time", vodsign_decoded_expire_time},
            {"vodsign_decoded_random", vodsign_decoded_random},
            {"vodsign_decoded_class_id", vodsign_decoded_class_id},
            {"vodsign_decoded_vod_sub_app_id", vodsign_decoded_vod_sub_app_id},
        };
        for (k = 0; k < sizeof u64_getters / sizeof u64_getters[0]; k++) {
            expect_null(u64_getters[k].name, "decoded", u64_getters[k].fn(NULL, &u));
            expect_null(u64_getters[k].name, "out", u64_getters[k].fn(d, NULL));
        }
    }
    expect_null("vodsign_decoded_one_time_valid", "decoded", vodsign_decoded_one_time_valid(NULL, &u8));
    expect_null("vodsign_decoded_one_time_valid", "out", vodsign_decoded_one_time_valid(d, NULL));
    expect_null("vodsign_decoded_task_priority", "decoded", vodsign_decoded_task_priority(NULL, &i64));
    expect_null("vodsign_decoded_task_priority", "out", vodsign_decoded_task_priority(d, NULL));
    expect_null("vodsign_decoded_warning_count", "decoded", vodsign_decoded_warning_count(NULL, &n));
    expect_null("vodsign_decoded_warning_count", "out", vodsign_decoded_warning_count(d, NULL));
    {
        static const struct {
            const char *name;
            vodsign_status (*fn)(const vodsign_decoded *, size_t, char *, size_t, size_t *);
        } warning_getters[] = {
            {"vodsign_decoded_warning_code", vodsign_decoded_warning_code},
            {"vodsign_decoded_warning_param", vodsign_decoded_warning_param},
            {"vodsign_decoded_warning_message", vodsign_decoded_warning_message},
        };
        for (k = 0; k < sizeof warning_getters / sizeof warning_getters[0]; k++) {
            expect_null(warning_getters[k].name, "decoded", warning_getters[k].fn(NULL, 0, buf, sizeof buf, &len));
            expect_null(warning_getters[k].name, "out", warning_getters[k].fn(d, 0, NULL, sizeof buf, &len));
            expect_null(warning_getters[k].name, "out_len", warning_getters[k].fn(d, 0, buf, sizeof buf, NULL));
        }
    }

    /* Last error: NULL out_len, or NULL out with room, are refused without touching the record. */
    {
        char before[512], after[512];
        size_t l = 0;
        vodsign_signer_new(TXT(""), KEY(SECRET), &sout); /* records a known error */
        last_error(before, sizeof before, NULL, 0);
        begin("null: vodsign_last_error_message / _param refuse NULL and keep the record");
        expect(vodsign_last_error_message(buf, sizeof buf, NULL) == VODSIGN_ERR_NULL_ARGUMENT, "message out_len");
        expect(vodsign_last_error_message(NULL, 10, &l) == VODSIGN_ERR_NULL_ARGUMENT, "message out");
        expect(vodsign_last_error_param(buf, sizeof buf, NULL) == VODSIGN_ERR_NULL_ARGUMENT, "param out_len");
        expect(vodsign_last_error_param(NULL, 10, &l) == VODSIGN_ERR_NULL_ARGUMENT, "param out");
        last_error(after, sizeof after, NULL, 0);
        expect(strcmp(before, after) == 0 && strstr(after, "secretId") != NULL, "record changed: \"%s\" -> \"%s\"",
               before, after);
        end();
    }

    begin("null: every *_free accepts NULL");
    vodsign_signer_free(NULL);
    vodsign_options_free(NULL);
    vodsign_decoded_free(NULL);
    end();

    vodsign_decoded_free(d);
    free(sig);
    vodsign_options_free(o);
    vodsign_signer_free(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Invalid UTF-8 and other argument errors                                                     */

static void expect_utf8(const char *fn, const char *arg, vodsign_status st) {
    char msg[512], param[64];
    begin("utf8: %s(%s = invalid UTF-8)", fn, arg);
    expect(st == VODSIGN_ERR_INVALID_UTF8_ARGUMENT, "status %s", name_of(st));
    last_error(msg, sizeof msg, param, sizeof param);
    expect(strstr(msg, arg) != NULL && strstr(msg, "UTF-8") != NULL, "last error \"%s\"", msg);
    expect(param[0] == '\0', "last_error_param \"%s\" for an argument error", param);
    end();
}

static void test_invalid_utf8(void) {
    static const char *bad[] = {"\xff", "abc\xc3", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\x80ok"};
    vodsign_signer *s = new_signer();
    vodsign_options *o = full_options();
    char *sig = full_signature(s, o);
    vodsign_decoded *d = decode_or_die(sig);
    vodsign_signer *sout = NULL;
    vodsign_decoded *dout = NULL;
    char buf[256];
    size_t len = 0, b;
    uint64_t u = 0;

    for (b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        const char *x = bad[b];
        expect_utf8("vodsign_signer_new", "secret_id", vodsign_signer_new(TXT(x), KEY(SECRET), &sout));
        expect_utf8("vodsign_options_set_procedure", "value", vodsign_options_set_procedure(o, TXT(x)));
        expect_utf8("vodsign_options_set_source_context", "value", vodsign_options_set_source_context(o, TXT(x)));
        expect_utf8("vodsign_options_set_task_notify_mode", "value", vodsign_options_set_task_notify_mode(o, TXT(x)));
        expect_utf8("vodsign_options_set_session_context", "value", vodsign_options_set_session_context(o, TXT(x)));
        expect_utf8("vodsign_options_set_storage_region", "value", vodsign_options_set_storage_region(o, TXT(x)));
        expect_utf8("vodsign_options_set_str", "name", vodsign_options_set_str(o, TXT(x), TXT("v")));
        expect_utf8("vodsign_options_set_str", "value", vodsign_options_set_str(o, TXT("procedure"), TXT(x)));
        expect_utf8("vodsign_options_set_int", "name", vodsign_options_set_int(o, TXT(x), 1));
        expect_utf8("vodsign_decode", "signature", vodsign_decode(TXT(x), &dout));
        expect_utf8("vodsign_verify", "signature", vodsign_verify(TXT(x), KEY(SECRET), CTS, 300, &dout));
        expect_utf8("vodsign_seconds_left", "signature", vodsign_seconds_left(TXT(x), CTS, &u));
        expect_utf8("vodsign_decoded_get", "name", vodsign_decoded_get(d, TXT(x), buf, sizeof buf, &len));
    }

    begin("utf8: refused setters leave the options unchanged");
    {
        char *again = full_signature(s, o);
        expect(strcmp(again, sig) == 0, "signature changed after refused setters");
        free(again);
    }
    end();

    begin("utf8: the secret key is bytes, not text (non-UTF-8 key signs and verifies)");
    {
        static const uint8_t raw_key[] = {0xff, 0xfe, 0x00, 0x80, 'k'};
        vodsign_signer *ks = NULL;
        vodsign_decoded *kd = NULL;
        vodsign_status st = vodsign_signer_new(TXT(ID), raw_key, sizeof raw_key, &ks);
        if (expect(st == VODSIGN_OK, "signer_new: %s", name_of(st))) {
            char *ksig = full_signature(ks, o);
            st = vodsign_verify(TXT(ksig), raw_key, sizeof raw_key, CTS + 1, 300, &kd);
            expect(st == VODSIGN_OK, "verify: %s", name_of(st));
            vodsign_decoded_free(kd);
            kd = NULL;
            st = vodsign_verify(TXT(ksig), raw_key, sizeof raw_key - 1, CTS + 1, 300, &kd);
            expect(st == VODSIGN_ERR_BAD_MAC && kd == NULL, "verify with a shorter key: %s", name_of(st));
            free(ksig);
        }
        vodsign_signer_free(ks);
    }
    end();

    vodsign_decoded_free(d);
    free(sig);
    vodsign_options_free(o);
    vodsign_signer_free(s);
}

static void test_argument_errors(void) {
    vodsign_signer *s = new_signer();
    vodsign_options *o = NULL;
    vodsign_options *full = full_options();
    char *sig = full_signature(s, full);
    vodsign_decoded *d = decode_or_die(sig);
    vodsign_decoded *dout = NULL;
    vodsign_signer *sout = NULL;
    char buf[512], msg[512], param[64];
    size_t len = 0, count = 0;
    uint64_t u = 0;
    uint8_t u8 = 0;
    int64_t i64 = 0;
    vodsign_status st;

    vodsign_options_new(&o);

    begin("args: lengths above PTRDIFF_MAX give out_of_range");
    expect(vodsign_signer_new("x", SIZE_MAX, KEY(SECRET), &sout) == VODSIGN_ERR_OUT_OF_RANGE, "secret_id_len");
    expect(vodsign_signer_new(TXT(ID), (const uint8_t *)"k", SIZE_MAX, &sout) == VODSIGN_ERR_OUT_OF_RANGE,
           "secret_key_len");
    expect(vodsign_decode("x", (size_t)PTRDIFF_MAX + 1, &dout) == VODSIGN_ERR_OUT_OF_RANGE, "signature_len");
    expect(vodsign_options_set_procedure(o, "x", SIZE_MAX) == VODSIGN_ERR_OUT_OF_RANGE, "value_len");
    expect(sout == NULL && dout == NULL, "out written");
    end();

    begin("args: param index out of range");
    vodsign_decoded_param_count(d, &count);
    expect(count == 13, "count %zu, want 13", count);
    st = vodsign_decoded_param_key(d, count, buf, sizeof buf, &len);
    expect(st == VODSIGN_ERR_OUT_OF_RANGE, "key(count): %s", name_of(st));
    st = vodsign_decoded_param_value(d, SIZE_MAX, buf, sizeof buf, &len);
    expect(st == VODSIGN_ERR_OUT_OF_RANGE, "value(SIZE_MAX): %s", name_of(st));
    last_error(msg, sizeof msg, NULL, 0);
    expect(strstr(msg, "vodsign_decoded_param_value") != NULL, "last error \"%s\"", msg);
    end();

    begin("args: absent optional parameters give not_present");
    {
        char *plain;
        vodsign_decoded *pd = NULL;
        plain = sign_at_alloc(s, o, CTS, EXP, RND, &st);
        vodsign_decode(TXT(plain), &pd);
        expect(vodsign_decoded_procedure(pd, buf, sizeof buf, &len) == VODSIGN_ERR_NOT_PRESENT, "procedure");
        expect(vodsign_decoded_class_id(pd, &u) == VODSIGN_ERR_NOT_PRESENT, "classId");
        expect(vodsign_decoded_one_time_valid(pd, &u8) == VODSIGN_ERR_NOT_PRESENT, "oneTimeValid");
        expect(vodsign_decoded_source_context(pd, buf, sizeof buf, &len) == VODSIGN_ERR_NOT_PRESENT, "sourceContext");
        expect(vodsign_decoded_task_priority(pd, &i64) == VODSIGN_ERR_NOT_PRESENT, "taskPriority");
        expect(vodsign_decoded_task_notify_mode(pd, buf, sizeof buf, &len) == VODSIGN_ERR_NOT_PRESENT, "taskNotifyMode");
        expect(vodsign_decoded_vod_sub_app_id(pd, &u) == VODSIGN_ERR_NOT_PRESENT, "vodSubAppId");
        expect(vodsign_decoded_session_context(pd, buf, sizeof buf, &len) == VODSIGN_ERR_NOT_PRESENT, "sessionContext");
        expect(vodsign_decoded_storage_region(pd, buf, sizeof buf, &len) == VODSIGN_ERR_NOT_PRESENT, "storageRegion");
        expect(vodsign_decoded_get(pd, TXT("foo"), buf, sizeof buf, &len) == VODSIGN_ERR_NOT_PRESENT, "get(foo)");
        expect(u == 0 && u8 == 0 && i64 == 0, "outputs written on not_present");
        vodsign_decoded_free(pd);
        free(plain);
    }
    end();

    begin("args: every getter of a fully set signature");
    expect(vodsign_decoded_class_id(d, &u) == VODSIGN_OK && u == 1001, "classId %" PRIu64, u);
    expect(vodsign_decoded_vod_sub_app_id(d, &u) == VODSIGN_OK && u == 1500000001, "vodSubAppId");
    expect(vodsign_decoded_one_time_valid(d, &u8) == VODSIGN_OK && u8 == 1, "oneTimeValid");
    expect(vodsign_decoded_task_priority(d, &i64) == VODSIGN_OK && i64 == -3, "taskPriority");
    expect(vodsign_decoded_current_time_stamp(d, &u) == VODSIGN_OK && u == CTS, "currentTimeStamp");
    expect(vodsign_decoded_expire_time(d, &u) == VODSIGN_OK && u == EXP, "expireTime");
    expect(vodsign_decoded_random(d, &u) == VODSIGN_OK && u == RND, "random");
    expect(vodsign_decoded_secret_id(d, buf, sizeof buf, &len) == VODSIGN_OK && strcmp(buf, ID) == 0, "secretId");
    expect(vodsign_decoded_procedure(d, buf, sizeof buf, &len) == VODSIGN_OK &&
               strcmp(buf, "QCVB_SimpleProcessFile({1,1})") == 0,
           "procedure");
    expect(vodsign_decoded_source_context(d, buf, sizeof buf, &len) == VODSIGN_OK &&
               strcmp(buf, "user=42&file=a b.mp4 \xe4\xb8\xad\xe6\x96\x87") == 0,
           "sourceContext");
    expect(vodsign_decoded_task_notify_mode(d, buf, sizeof buf, &len) == VODSIGN_OK && strcmp(buf, "Change") == 0,
           "taskNotifyMode");
    expect(vodsign_decoded_session_context(d, buf, sizeof buf, &len) == VODSIGN_OK &&
               strcmp(buf, "session \xf0\x9f\x8e\xac") == 0,
           "sessionContext");
    expect(vodsign_decoded_storage_region(d, buf, sizeof buf, &len) == VODSIGN_OK && strcmp(buf, "ap-chongqing") == 0,
           "storageRegion");
    expect(vodsign_decoded_seconds_left(d, EXP - 10, &u) == VODSIGN_OK && u == 10, "seconds_left");
    expect(vodsign_decoded_seconds_left(d, EXP + 10, &u) == VODSIGN_OK && u == 0, "seconds_left after expiry");
    end();

    begin("args: validity is checked when signing with the clock");
    vodsign_options_set_validity(o, 0);
    st = vodsign_signer_sign(s, o, buf, sizeof buf, &len);
    last_error(msg, sizeof msg, param, sizeof param);
    expect(st == VODSIGN_ERR_INVALID_PARAMETER && strcmp(param, "validity") == 0, "validity 0: %s, param %s",
           name_of(st), param);
    vodsign_options_set_validity(o, 7776001);
    st = vodsign_signer_sign(s, o, buf, sizeof buf, &len);
    expect(st == VODSIGN_ERR_VALIDITY_TOO_LONG, "validity 7776001: %s", name_of(st));
    vodsign_options_set_validity(o, 7776000);
    st = vodsign_signer_sign(s, o, buf, sizeof buf, &len);
    expect(st == VODSIGN_OK, "validity 7776000: %s", name_of(st));
    end();

    begin("args: vodsign_signer_sign uses the clock, the validity and fresh randoms");
    {
        char sig1[1024], sig2[1024];
        size_t l1 = 0, l2 = 0;
        uint64_t cts = 0, exp = 0, r1 = 0, r2 = 0;
        vodsign_decoded *d1 = NULL, *d2 = NULL;
        uint64_t before = (uint64_t)time(NULL), after;
        vodsign_options_set_validity(o, 600);
        expect(vodsign_signer_sign(s, o, sig1, sizeof sig1, &l1) == VODSIGN_OK, "sign 1");
        expect(vodsign_signer_sign(s, o, sig2, sizeof sig2, &l2) == VODSIGN_OK, "sign 2");
        after = (uint64_t)time(NULL);
        st = vodsign_verify(sig1, l1, KEY(SECRET), after, 300, &d1);
        expect(st == VODSIGN_OK, "verify: %s", name_of(st));
        if (st == VODSIGN_OK) {
            vodsign_decoded_current_time_stamp(d1, &cts);
            vodsign_decoded_expire_time(d1, &exp);
            vodsign_decoded_random(d1, &r1);
            expect(cts >= before && cts <= after && exp == cts + 600, "cts %" PRIu64 " exp %" PRIu64, cts, exp);
        }
        if (vodsign_decode(sig2, l2, &d2) == VODSIGN_OK) {
            vodsign_decoded_random(d2, &r2);
        }
        expect(strcmp(sig1, sig2) != 0, "two signatures are equal (random %" PRIu64 " twice)", r1);
        (void)r2;
        vodsign_decoded_free(d1);
        vodsign_decoded_free(d2);
    }
    end();

    begin("args: max_signature_len bounds the extremes of time and random");
    {
        size_t max = 0;
        char *big;
        vodsign_signer_max_signature_len(s, full, &max);
        big = xmalloc(max + 1);
        st = vodsign_signer_sign_at(s, full, UINT64_MAX - 1000, UINT64_MAX, UINT32_MAX, big, max + 1, &len);
        expect(st == VODSIGN_OK && len <= max, "extreme sign_at: %s, %zu > %zu", name_of(st), len, max);
        free(big);
    }
    end();

    begin("args: by-name setters refuse unknown, required and mistyped names");
    expect(vodsign_options_set_str(o, TXT("nope"), TXT("x")) == VODSIGN_ERR_INVALID_PARAMETER, "unknown name");
    expect(vodsign_options_set_str(o, TXT("secretId"), TXT("x")) == VODSIGN_ERR_INVALID_PARAMETER, "required name");
    expect(vodsign_options_set_str(o, TXT("classId"), TXT("1")) == VODSIGN_ERR_INVALID_PARAMETER, "text for int");
    expect(vodsign_options_set_int(o, TXT("procedure"), 1) == VODSIGN_ERR_INVALID_PARAMETER, "int for text");
    expect(vodsign_options_set_int(o, TXT("taskPriority"), 11) == VODSIGN_ERR_INVALID_PARAMETER, "out of range");
    last_error(msg, sizeof msg, param, sizeof param);
    expect(strcmp(param, "taskPriority") == 0, "param \"%s\"", param);
    end();

    begin("args: successful calls leave the last error as it was");
    vodsign_signer_new(TXT(""), KEY(SECRET), &sout);
    {
        char before[512], after[512];
        last_error(before, sizeof before, NULL, 0);
        expect(vodsign_decoded_param_count(d, &count) == VODSIGN_OK, "count");
        last_error(after, sizeof after, NULL, 0);
        expect(strcmp(before, after) == 0 && before[0] != '\0', "\"%s\" -> \"%s\"", before, after);
    }
    end();

    begin("args: no error message contains the secret key");
    {
        vodsign_decoded *vd = NULL;
        st = vodsign_verify(TXT(sig), KEY("another-secret-key"), CTS, 300, &vd);
        last_error(msg, sizeof msg, NULL, 0);
        expect(st == VODSIGN_ERR_BAD_MAC && strstr(msg, "another-secret-key") == NULL && strstr(msg, SECRET) == NULL,
               "bad_mac: %s \"%s\"", name_of(st), msg);
        st = vodsign_verify(TXT(sig), KEY(SECRET), EXP + 5, 300, &vd);
        last_error(msg, sizeof msg, NULL, 0);
        expect(st == VODSIGN_ERR_EXPIRED && strstr(msg, SECRET) == NULL, "expired: %s \"%s\"", name_of(st), msg);
        st = vodsign_signer_new(TXT(ID), KEY(""), &sout);
        last_error(msg, sizeof msg, param, sizeof param);
        expect(st == VODSIGN_ERR_INVALID_PARAMETER && strcmp(param, "secretKey") == 0, "empty key: %s \"%s\"",
               name_of(st), param);
    }
    end();

    begin("args: verify refuses the empty key as signer_new does (kind, parameter and message)");
    {
        char sign_msg[256], sign_param[64];
        const char *sign_text, *verify_text;
        vodsign_decoded *vd = NULL;
        st = vodsign_signer_new(TXT(ID), KEY(""), &sout);
        last_error(sign_msg, sizeof sign_msg, sign_param, sizeof sign_param);
        expect(st == VODSIGN_ERR_INVALID_PARAMETER, "signer_new: %s", name_of(st));
        /* Any signature, even one whose MAC is right for the empty key, is refused before decoding. */
        st = vodsign_verify(TXT(sig), KEY(""), CTS, 300, &vd);
        last_error(msg, sizeof msg, param, sizeof param);
        expect(st == VODSIGN_ERR_INVALID_PARAMETER && vd == NULL, "verify: %s", name_of(st));
        expect(strcmp(param, sign_param) == 0 && strcmp(param, "secretKey") == 0, "param \"%s\"", param);
        /* The messages differ only in the function name in front. */
        sign_text = strstr(sign_msg, ": ");
        verify_text = strstr(msg, ": ");
        expect(strncmp(msg, "vodsign_verify: ", 16) == 0 && sign_text != NULL && verify_text != NULL &&
                   strcmp(sign_text, verify_text) == 0,
               "verify \"%s\", signer_new \"%s\"", msg, sign_msg);
        st = vodsign_verify(TXT("not a signature"), KEY(""), CTS, 300, &vd);
        expect(st == VODSIGN_ERR_INVALID_PARAMETER && vd == NULL, "verify of garbage with the empty key: %s",
               name_of(st));
        vodsign_decoded_free(vd);
    }
    end();

    vodsign_decoded_free(d);
    free(sig);
    vodsign_options_free(full);
    vodsign_options_free(o);
    vodsign_signer_free(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Every buffer size                                                                           */

#define SENTINEL 0xA5

/* Calls `call` with every cap from 0 to want_len + 3 (exactly sized heap buffers, so a sanitizer or
 * valgrind sees any overrun), checking BUFFER_TOO_SMALL, *out_len and an untouched buffer below
 * want_len + 1, and the exact result with a NUL from there on. `nul` is 0 for the MAC. */
typedef vodsign_status (*sized_call)(void *ctx, char *out, size_t cap, size_t *out_len);

static void check_sizes(const char *what, sized_call call, void *ctx, const char *want, size_t want_len, int nul) {
    size_t cap, k, need = want_len + (nul ? 1 : 0);
    begin("buffer sizes: %s (0 to %zu)", what, need + 2);
    for (cap = 0; cap <= need + 2; cap++) {
        char *buf = cap == 0 ? NULL : xmalloc(cap);
        size_t len = 999999;
        vodsign_status st;
        if (buf != NULL) {
            memset(buf, SENTINEL, cap);
        }
        st = call(ctx, buf, cap, &len);
        if (cap < need) {
            int untouched = 1;
            for (k = 0; k < cap; k++) {
                untouched &= (unsigned char)buf[k] == SENTINEL;
            }
            if (!expect(st == VODSIGN_ERR_BUFFER_TOO_SMALL && len == want_len && untouched,
                        "cap %zu: %s, out_len %zu (want %zu), untouched %d", cap, name_of(st), len, want_len,
                        untouched)) {
                free(buf);
                break;
            }
        } else {
            int tail_ok = 1;
            for (k = need; k < cap; k++) {
                tail_ok &= (unsigned char)buf[k] == SENTINEL;
            }
            if (!expect(st == VODSIGN_OK && len == want_len && memcmp(buf, want, want_len) == 0 &&
                            (!nul || buf[want_len] == '\0') && tail_ok,
                        "cap %zu: %s, out_len %zu (want %zu)", cap, name_of(st), len, want_len)) {
                free(buf);
                break;
            }
        }
        free(buf);
    }
    /* A zero-capacity, non-NULL buffer is also fine. */
    {
        char one = (char)SENTINEL;
        size_t len = 0;
        vodsign_status st = call(ctx, &one, 0, &len);
        expect(st == (need == 0 ? VODSIGN_OK : VODSIGN_ERR_BUFFER_TOO_SMALL) && len == want_len &&
                   (unsigned char)one == SENTINEL,
               "cap 0 with a non-NULL buffer: %s", name_of(st));
    }
    end();
}

struct size_ctx {
    const vodsign_signer *s;
    const vodsign_options *o;
    const vodsign_decoded *d;
    size_t index;
    text_getter getter;
};

static vodsign_status call_sign_at(void *p, char *out, size_t cap, size_t *len) {
    struct size_ctx *c = p;
    return vodsign_signer_sign_at(c->s, c->o, CTS, EXP, RND, out, cap, len);
}
static vodsign_status call_getter(void *p, char *out, size_t cap, size_t *len) {
    struct size_ctx *c = p;
    return c->getter(c->d, out, cap, len);
}
static vodsign_status call_key(void *p, char *out, size_t cap, size_t *len) {
    struct size_ctx *c = p;
    return vodsign_decoded_param_key(c->d, c->index, out, cap, len);
}
static vodsign_status call_value(void *p, char *out, size_t cap, size_t *len) {
    struct size_ctx *c = p;
    return vodsign_decoded_param_value(c->d, c->index, out, cap, len);
}
static vodsign_status call_get(void *p, char *out, size_t cap, size_t *len) {
    struct size_ctx *c = p;
    return vodsign_decoded_get(c->d, TXT("sourceContext"), out, cap, len);
}
static vodsign_status call_mac(void *p, char *out, size_t cap, size_t *len) {
    struct size_ctx *c = p;
    return vodsign_decoded_mac(c->d, (uint8_t *)out, cap, len);
}
static vodsign_status call_last_message(void *p, char *out, size_t cap, size_t *len) {
    (void)p;
    return vodsign_last_error_message(out, cap, len);
}
static vodsign_status call_last_param(void *p, char *out, size_t cap, size_t *len) {
    (void)p;
    return vodsign_last_error_param(out, cap, len);
}

static void test_buffer_sizes(void) {
    vodsign_signer *s = new_signer();
    vodsign_options *o = full_options();
    char *sig = full_signature(s, o);
    vodsign_decoded *d = decode_or_die(sig);
    struct size_ctx ctx;
    char buf[4096], label[128];
    size_t len = 0, count = 0, i;
    uint8_t mac[VODSIGN_MAC_LEN];

    ctx.s = s;
    ctx.o = o;
    ctx.d = d;
    ctx.index = 0;
    ctx.getter = NULL;
    check_sizes("vodsign_signer_sign_at", call_sign_at, &ctx, sig, strlen(sig), 1);
    for (i = 0; i < N_TEXT_GETTERS; i++) {
        ctx.getter = TEXT_GETTERS[i].fn;
        TEXT_GETTERS[i].fn(d, buf, sizeof buf, &len);
        check_sizes(TEXT_GETTERS[i].name, call_getter, &ctx, buf, len, 1);
    }
    vodsign_decoded_param_count(d, &count);
    for (i = 0; i < count; i++) {
        char want[4096];
        size_t wl = 0;
        ctx.index = i;
        vodsign_decoded_param_key(d, i, want, sizeof want, &wl);
        snprintf(label, sizeof label, "vodsign_decoded_param_key(%zu)", i);
        check_sizes(label, call_key, &ctx, want, wl, 1);
        vodsign_decoded_param_value(d, i, want, sizeof want, &wl);
        snprintf(label, sizeof label, "vodsign_decoded_param_value(%zu)", i);
        check_sizes(label, call_value, &ctx, want, wl, 1);
    }
    vodsign_decoded_get(d, TXT("sourceContext"), buf, sizeof buf, &len);
    check_sizes("vodsign_decoded_get(sourceContext)", call_get, &ctx, buf, len, 1);
    vodsign_decoded_mac(d, mac, sizeof mac, &len);
    check_sizes("vodsign_decoded_mac", call_mac, &ctx, (const char *)mac, VODSIGN_MAC_LEN, 0);

    /* The last error: record one, then read it at every size (reading never changes it). */
    {
        vodsign_options *bad = NULL;
        char want_msg[1024], want_param[64];
        size_t ml = 0, pl = 0;
        vodsign_options_new(&bad);
        vodsign_options_set_source_context(bad, TXT("this is fine"));
        vodsign_options_set_storage_region(bad, TXT("Not A Region"));
        vodsign_signer_sign_at(s, bad, CTS, EXP, RND, buf, sizeof buf, &len);
        vodsign_last_error_message(want_msg, sizeof want_msg, &ml);
        vodsign_last_error_param(want_param, sizeof want_param, &pl);
        check_sizes("vodsign_last_error_message", call_last_message, NULL, want_msg, ml, 1);
        check_sizes("vodsign_last_error_param", call_last_param, NULL, want_param, pl, 1);
        vodsign_options_free(bad);
    }

    vodsign_decoded_free(d);
    free(sig);
    vodsign_options_free(o);
    vodsign_signer_free(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Threads sharing one signer                                                                  */

#define N_THREADS 8
#define N_REFS 64

struct thread_ctx {
    const vodsign_signer *signer;
    const vodsign_options *options;
    char **refs;
    size_t max_len;
    unsigned long iters;
    int index;
    unsigned long mismatches;
    unsigned long errors;
    int last_error_ok;
    char first_problem[256];
};

static uint64_t ref_cts(size_t k) { return 1600000000u + (uint64_t)k * 37u; }
static uint64_t ref_exp(size_t k) { return ref_cts(k) + 1 + ((uint64_t)k * 1013u) % 7776000u; }
static uint32_t ref_rnd(size_t k) { return (uint32_t)(k * 2654435761u); }

static void *sign_worker(void *p) {
    struct thread_ctx *c = p;
    char *buf = xmalloc(c->max_len + 1);
    unsigned long i;
    for (i = 0; i < c->iters; i++) {
        size_t k = (i * 7 + (unsigned long)c->index * 13) % N_REFS, len = 0;
        vodsign_status st =
            vodsign_signer_sign_at(c->signer, c->options, ref_cts(k), ref_exp(k), ref_rnd(k), buf, c->max_len + 1, &len);
        if (st != VODSIGN_OK) {
            if (c->errors++ == 0) {
                snprintf(c->first_problem, sizeof c->first_problem, "iteration %lu: %s", i, name_of(st));
            }
        } else if (len != strlen(c->refs[k]) || memcmp(buf, c->refs[k], len + 1) != 0) {
            if (c->mismatches++ == 0) {
                snprintf(c->first_problem, sizeof c->first_problem, "iteration %lu: signature differs", i);
            }
        }
        if (i % 5000 == 0) {
            /* Now and then: the clock-and-random path, checked by verifying it. */
            vodsign_decoded *d = NULL;
            st = vodsign_signer_sign(c->signer, c->options, buf, c->max_len + 1, &len);
            if (st == VODSIGN_OK) {
                st = vodsign_verify(buf, len, KEY(SECRET), (uint64_t)time(NULL), 300, &d);
            }
            vodsign_decoded_free(d);
            if (st != VODSIGN_OK && c->errors++ == 0) {
                snprintf(c->first_problem, sizeof c->first_problem, "sign/verify: %s", name_of(st));
            }
        }
    }
    /* The last error is per thread: each thread records its own and reads it back. */
    {
        vodsign_options *o = NULL;
        char msg[512], want[64];
        size_t len = 0;
        snprintf(want, sizeof want, "taskPriority is %d", 100 + c->index);
        vodsign_options_new(&o);
        vodsign_options_set_task_priority(o, 100 + c->index);
        vodsign_signer_sign_at(c->signer, o, 1, 2, 3, buf, c->max_len + 1, &len);
        vodsign_options_free(o);
        vodsign_last_error_message(msg, sizeof msg, &len);
        c->last_error_ok = strstr(msg, want) != NULL;
    }
    free(buf);
    return NULL;
}

static void test_threads(void) {
    vodsign_signer *s = new_signer();
    vodsign_options *o = full_options();
    char *refs[N_REFS];
    struct thread_ctx ctx[N_THREADS];
    pthread_t tid[N_THREADS];
    size_t max_len = 0, k;
    unsigned long iters = env_count("VODSIGN_C_THREAD_ITERS", 100000);
    int t;
    vodsign_status st;
    struct timespec t0, t1;
    double secs;

    begin("threads: %d threads x %lu signatures sharing one signer", N_THREADS, iters);
    vodsign_signer_max_signature_len(s, o, &max_len);
    for (k = 0; k < N_REFS; k++) {
        refs[k] = sign_at_alloc(s, o, ref_cts(k), ref_exp(k), ref_rnd(k), &st);
        if (refs[k] == NULL) {
            expect(0, "reference %zu: %s", k, name_of(st));
            refs[k] = xmalloc(1);
            refs[k][0] = '\0';
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (t = 0; t < N_THREADS; t++) {
        memset(&ctx[t], 0, sizeof ctx[t]);
        ctx[t].signer = s;
        ctx[t].options = o;
        ctx[t].refs = refs;
        ctx[t].max_len = max_len;
        ctx[t].iters = iters;
        ctx[t].index = t;
        if (pthread_create(&tid[t], NULL, sign_worker, &ctx[t]) != 0) {
            expect(0, "pthread_create failed");
            tid[t] = pthread_self();
            ctx[t].iters = 0;
        }
    }
    for (t = 0; t < N_THREADS; t++) {
        if (!pthread_equal(tid[t], pthread_self())) {
            pthread_join(tid[t], NULL);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    for (t = 0; t < N_THREADS; t++) {
        expect(ctx[t].mismatches == 0 && ctx[t].errors == 0, "thread %d: %lu mismatches, %lu errors (first: %s)", t,
               ctx[t].mismatches, ctx[t].errors, ctx[t].first_problem);
        expect(ctx[t].last_error_ok, "thread %d: last error was not its own", t);
    }
    printf("    threads: %lu signatures in %.2f s (%.0f per second)\n", (unsigned long)N_THREADS * iters, secs,
           secs > 0 ? (double)N_THREADS * (double)iters / secs : 0.0);
    end();
    for (k = 0; k < N_REFS; k++) {
        free(refs[k]);
    }
    vodsign_options_free(o);
    vodsign_signer_free(s);
}

/* ------------------------------------------------------------------------------------------ */
/* Create/free loops                                                                           */

static void test_create_free_loops(void) {
    unsigned long n = env_count("VODSIGN_C_LOOP_ITERS", 10000), i;
    vodsign_signer *s0 = new_signer();
    vodsign_options *o0 = full_options();
    char *sig = full_signature(s0, o0);
    int ok = 1;

    begin("loops: %lu x signer new/free", n);
    for (i = 0; i < n && ok; i++) {
        vodsign_signer *s = NULL;
        ok = expect(vodsign_signer_new(TXT(ID), KEY(SECRET), &s) == VODSIGN_OK && s != NULL, "iteration %lu", i);
        vodsign_signer_free(s);
    }
    end();

    ok = 1;
    begin("loops: %lu x options new, set everything, free", n);
    for (i = 0; i < n && ok; i++) {
        vodsign_options *o = full_options();
        ok = expect(vodsign_options_set_procedure(o, TXT("again")) == VODSIGN_OK, "iteration %lu", i);
        vodsign_options_free(o);
    }
    end();

    ok = 1;
    begin("loops: %lu x decode/free and verify/free", n);
    for (i = 0; i < n && ok; i++) {
        vodsign_decoded *d = NULL, *v = NULL;
        ok = expect(vodsign_decode(TXT(sig), &d) == VODSIGN_OK, "decode %lu", i) &&
             expect(vodsign_verify(TXT(sig), KEY(SECRET), CTS, 300, &v) == VODSIGN_OK, "verify %lu", i);
        vodsign_decoded_free(d);
        vodsign_decoded_free(v);
    }
    end();

    ok = 1;
    begin("loops: %lu x failing calls (error paths allocate and free too)", n);
    for (i = 0; i < n && ok; i++) {
        vodsign_decoded *d = NULL;
        vodsign_signer *s = NULL;
        ok = expect(vodsign_decode(TXT("not base64!"), &d) == VODSIGN_ERR_NOT_BASE64 && d == NULL, "decode %lu", i) &&
             expect(vodsign_verify(TXT(sig), KEY("wrong"), CTS, 300, &d) == VODSIGN_ERR_BAD_MAC && d == NULL,
                    "verify %lu", i) &&
             expect(vodsign_signer_new(TXT(""), KEY(SECRET), &s) == VODSIGN_ERR_INVALID_PARAMETER && s == NULL,
                    "signer %lu", i);
    }
    end();

    free(sig);
    vodsign_options_free(o0);
    vodsign_signer_free(s0);
}

/* ------------------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/vectors";
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("vodsign C conformance (library %s, header %d.%d.%d)\n", vodsign_version(), VODSIGN_VERSION_MAJOR,
           VODSIGN_VERSION_MINOR, VODSIGN_VERSION_PATCH);
    run_vectors(dir);
    printf("    note: %d sign.json cases have a required value outside its C type (uint64_t/uint32_t); "
           "each was checked to expect invalid_parameter for it\n",
           g_type_refusals);
    test_status_codes();
    test_version();
    test_null_arguments();
    test_invalid_utf8();
    test_argument_errors();
    test_buffer_sizes();
    test_create_free_loops();
    test_threads();
    (void)g_in_case;
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
