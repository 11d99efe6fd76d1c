/*
 * C ABI benchmark for `./build.sh bench`: signatures per second on one core through
 * vodsign_signer_sign_at into a stack buffer, on the inputs of benches/inputs.json.
 *
 * Same method as benches/rust.rs: a warm-up of 300 ms, then 9 timed samples of 200 ms (calls in
 * batches of 64), median quoted. Prints `SIGNATURE c_signer <signature>`, then
 * `BENCH c_signer <per-second> <median-ns-per-op>` on stdout, and a readable line with the spread
 * on stderr.
 *
 * Build (scripts/bench.sh does this):
 *   cc -O2 -Iinclude -Itests/c benches/c/bench.c tests/c/json.c -Ltarget/lib -lvodsign
 * Usage: bench INPUTS_JSON
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "vodsign.h"

#define SAMPLES 9
#define SAMPLE_NS 200000000.0
#define WARM_UP_NS 300000000.0
#define BATCH 64

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void die(const char *what, vodsign_status st) {
    char detail[512];
    size_t len = 0;
    if (vodsign_last_error_message(detail, sizeof detail, &len) != VODSIGN_OK) detail[0] = 0;
    fprintf(stderr, "bench: %s failed: %s (%s)\n", what, vodsign_status_name(st), detail);
    exit(1);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* What one operation sees: the signer, options and inputs. */
struct inputs {
    const vodsign_signer *signer;
    const vodsign_options *options;
    uint64_t cts, exp;
    uint32_t random;
};

/* Runs the signing call in batches until `time_ns` passes; returns ns per operation. */
static double run_for(const struct inputs *in, double time_ns) {
    /* The signature goes to a stack buffer, as a C caller would write it. */
    char out[2048];
    size_t len = 0;
    unsigned long long ops = 0;
    double start = now_ns(), t;
    do {
        for (int i = 0; i < BATCH; i++) {
            vodsign_status st = vodsign_signer_sign_at(in->signer, in->options, in->cts, in->exp, in->random,
                                                       out, sizeof out, &len);
            if (st != VODSIGN_OK) die("vodsign_signer_sign_at", st);
            /* Keep the result observable so the call cannot be dropped. */
            __asm__ volatile("" : : "r"(out), "r"(len) : "memory");
        }
        ops += BATCH;
        t = now_ns();
    } while (t - start < time_ns);
    return (t - start) / (double)ops;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s INPUTS_JSON\n", argv[0]);
        return 2;
    }
    char err[256];
    json_value *doc = json_parse_file(argv[1], err, sizeof err);
    if (!doc) {
        fprintf(stderr, "bench: %s: %s\n", argv[1], err);
        return 2;
    }
    size_t id_len, key_len, proc_len, ctx_len;
    const char *id = json_get_str(doc, "secretId", &id_len);
    const char *key = json_get_str(doc, "secretKey", &key_len);
    const char *proc = json_get_str(doc, "procedure", &proc_len);
    const char *ctx = json_get_str(doc, "sourceContext", &ctx_len);
    uint64_t cts, exp, random, class_id, otv;
    if (!id || !key || !proc || !ctx || json_uint(json_get(doc, "currentTimeStamp"), &cts) ||
        json_uint(json_get(doc, "expireTime"), &exp) || json_uint(json_get(doc, "random"), &random) ||
        json_uint(json_get(doc, "classId"), &class_id) || json_uint(json_get(doc, "oneTimeValid"), &otv)) {
        fprintf(stderr, "bench: %s lacks a field\n", argv[1]);
        return 2;
    }

    vodsign_signer *signer;
    vodsign_options *options;
    vodsign_status st;
    if ((st = vodsign_signer_new(id, id_len, (const uint8_t *)key, key_len, &signer))) die("vodsign_signer_new", st);
    if ((st = vodsign_options_new(&options))) die("vodsign_options_new", st);
    if ((st = vodsign_options_set_procedure(options, proc, proc_len))) die("set_procedure", st);
    if ((st = vodsign_options_set_class_id(options, class_id))) die("set_class_id", st);
    if ((st = vodsign_options_set_one_time_valid(options, (uint8_t)otv))) die("set_one_time_valid", st);
    if ((st = vodsign_options_set_source_context(options, ctx, ctx_len))) die("set_source_context", st);

    size_t max_len;
    if ((st = vodsign_signer_max_signature_len(signer, options, &max_len))) die("max_signature_len", st);
    if (max_len + 1 > 2048) {
        fprintf(stderr, "bench: a signature may need %zu bytes; the stack buffer has 2048\n", max_len + 1);
        return 1;
    }

    /* The signature every benchmark must produce (scripts/bench.sh compares them). */
    char sig[2048];
    size_t sig_len;
    if ((st = vodsign_signer_sign_at(signer, options, cts, exp, (uint32_t)random, sig, sizeof sig, &sig_len)))
        die("vodsign_signer_sign_at", st);
    printf("SIGNATURE c_signer %s\n", sig);

    struct inputs in = {signer, options, cts, exp, (uint32_t)random};
    /* VODSIGN_BENCH_ITERS=N: exactly N calls, once, untimed warm-up and samples skipped, so that a
     * profiler (valgrind --tool=callgrind) can divide its counts by N. */
    const char *iters = getenv("VODSIGN_BENCH_ITERS");
    if (iters && *iters) {
        long n = strtol(iters, NULL, 10);
        char out[2048];
        size_t len;
        double start = now_ns();
        for (long i = 0; i < n; i++) {
            if ((st = vodsign_signer_sign_at(signer, options, cts, exp, (uint32_t)random, out, sizeof out, &len)))
                die("vodsign_signer_sign_at", st);
        }
        double per = (now_ns() - start) / (double)(n > 0 ? n : 1);
        printf("BENCH c_signer %.0f %.1f\n", 1e9 / per, per);
        return 0;
    }
    run_for(&in, WARM_UP_NS);
    double ns[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) ns[i] = run_for(&in, SAMPLE_NS);
    qsort(ns, SAMPLES, sizeof ns[0], cmp_double);
    double median = ns[SAMPLES / 2];
    printf("BENCH c_signer %.0f %.1f\n", 1e9 / median, median);
    fprintf(stderr, "%-24s %12.0f /s   median %8.1f ns   spread %.1f%%\n", "c_signer", 1e9 / median, median,
            (ns[SAMPLES - 1] - ns[0]) / median * 100.0);

    vodsign_options_free(options);
    vodsign_signer_free(signer);
    json_free(doc);
    return 0;
}
