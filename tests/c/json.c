/* A small JSON reader for the C conformance suite. See json.h. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *p;
    const char *end;
    const char *start;
    char *err;
    size_t err_cap;
    int failed;
} parser;

static void fail(parser *ps, const char *fmt, ...) {
    if (ps->failed) {
        return;
    }
    ps->failed = 1;
    if (ps->err != NULL && ps->err_cap > 0) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(ps->err, ps->err_cap, "JSON error at byte %ld: %s", (long)(ps->p - ps->start), msg);
    }
}

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

/* Growable byte buffer. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buf;

static void buf_push(buf *b, char c) {
    if (b->len + 1 >= b->cap) {
        size_t ncap = b->cap == 0 ? 32 : b->cap * 2;
        char *n = realloc(b->data, ncap);
        if (n == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->data = n;
        b->cap = ncap;
    }
    b->data[b->len++] = c;
}

static void buf_utf8(buf *b, unsigned long cp) {
    if (cp < 0x80) {
        buf_push(b, (char)cp);
    } else if (cp < 0x800) {
        buf_push(b, (char)(0xC0 | (cp >> 6)));
        buf_push(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_push(b, (char)(0xE0 | (cp >> 12)));
        buf_push(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_push(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_push(b, (char)(0xF0 | (cp >> 18)));
        buf_push(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        buf_push(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_push(b, (char)(0x80 | (cp & 0x3F)));
    }
}

static int hex4(parser *ps, unsigned long *out) {
    unsigned long v = 0;
    int i;
    if (ps->end - ps->p < 4) {
        fail(ps, "truncated \\u escape");
        return -1;
    }
    for (i = 0; i < 4; i++) {
        char c = *ps->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned long)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned long)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (unsigned long)(c - 'A' + 10);
        } else {
            fail(ps, "bad hex digit in \\u escape");
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* Parses a string literal at ps->p (which is at the opening quote). */
static int parse_string(parser *ps, char **out, size_t *out_len) {
    buf b = {NULL, 0, 0};
    ps->p++; /* opening quote */
    for (;;) {
        unsigned char c;
        if (ps->p >= ps->end) {
            fail(ps, "unterminated string");
            free(b.data);
            return -1;
        }
        c = (unsigned char)*ps->p++;
        if (c == '"') {
            break;
        }
        if (c < 0x20) {
            fail(ps, "control character in string");
            free(b.data);
            return -1;
        }
        if (c != '\\') {
            buf_push(&b, (char)c);
            continue;
        }
        if (ps->p >= ps->end) {
            fail(ps, "unterminated escape");
            free(b.data);
            return -1;
        }
        c = (unsigned char)*ps->p++;
        switch (c) {
        case '"': buf_push(&b, '"'); break;
        case '\\': buf_push(&b, '\\'); break;
        case '/': buf_push(&b, '/'); break;
        case 'b': buf_push(&b, '\b'); break;
        case 'f': buf_push(&b, '\f'); break;
        case 'n': buf_push(&b, '\n'); break;
        case 'r': buf_push(&b, '\r'); break;
        case 't': buf_push(&b, '\t'); break;
        case 'u': {
            unsigned long cp;
            if (hex4(ps, &cp) != 0) {
                free(b.data);
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned long lo;
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    fail(ps, "lone high surrogate");
                    free(b.data);
                    return -1;
                }
                ps->p += 2;
                if (hex4(ps, &lo) != 0) {
                    free(b.data);
                    return -1;
                }
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(ps, "bad low surrogate");
                    free(b.data);
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(ps, "lone low surrogate");
                free(b.data);
                return -1;
            }
            buf_utf8(&b, cp);
            break;
        }
        default:
            fail(ps, "bad escape \\%c", c);
            free(b.data);
            return -1;
        }
    }
    buf_push(&b, '\0');
    *out = b.data;
    *out_len = b.len - 1;
    return 0;
}

static json_value *parse_value(parser *ps, int depth);

static void push_item(json_value *v, json_value *item, char *key, size_t key_len, size_t *cap) {
    if (v->count == *cap) {
        size_t ncap = *cap == 0 ? 8 : *cap * 2;
        json_value **ni = realloc(v->items, ncap * sizeof *ni);
        if (ni == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        v->items = ni;
        if (v->type == JSON_OBJECT) {
            char **nk = realloc(v->keys, ncap * sizeof *nk);
            size_t *nl = realloc(v->key_lens, ncap * sizeof *nl);
            if (nk == NULL || nl == NULL) {
                fprintf(stderr, "out of memory\n");
                exit(2);
            }
            v->keys = nk;
            v->key_lens = nl;
        }
        *cap = ncap;
    }
    v->items[v->count] = item;
    if (v->type == JSON_OBJECT) {
        v->keys[v->count] = key;
        v->key_lens[v->count] = key_len;
    }
    v->count++;
}

static json_value *parse_container(parser *ps, int depth, json_type type) {
    json_value *v = xcalloc(1, sizeof *v);
    size_t cap = 0;
    char close = type == JSON_ARRAY ? ']' : '}';
    v->type = type;
    ps->p++; /* [ or { */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        json_value *item;
        skip_ws(ps);
        if (type == JSON_OBJECT) {
            if (ps->p >= ps->end || *ps->p != '"') {
                fail(ps, "expected a key");
                json_free(v);
                return NULL;
            }
            if (parse_string(ps, &key, &key_len) != 0) {
                json_free(v);
                return NULL;
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                fail(ps, "expected ':'");
                free(key);
                json_free(v);
                return NULL;
            }
            ps->p++;
        }
        item = parse_value(ps, depth + 1);
        if (item == NULL) {
            free(key);
            json_free(v);
            return NULL;
        }
        push_item(v, item, key, key_len, &cap);
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return v;
        }
        fail(ps, "expected ',' or '%c'", close);
        json_free(v);
        return NULL;
    }
}

static json_value *parse_number(parser *ps) {
    const char *s = ps->p;
    json_value *v;
    if (ps->p < ps->end && *ps->p == '-') {
        ps->p++;
    }
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
        fail(ps, "bad number");
        return NULL;
    }
    while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' ||
                               *ps->p == 'E' || *ps->p == '+' || *ps->p == '-')) {
        ps->p++;
    }
    v = xcalloc(1, sizeof *v);
    v->type = JSON_NUMBER;
    v->len = (size_t)(ps->p - s);
    v->str = xcalloc(v->len + 1, 1);
    memcpy(v->str, s, v->len);
    return v;
}

static int literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return 1;
    }
    return 0;
}

static json_value *parse_value(parser *ps, int depth) {
    json_value *v;
    if (depth > JSON_MAX_DEPTH) {
        fail(ps, "nested too deeply");
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
        return parse_container(ps, depth, JSON_OBJECT);
    case '[':
        return parse_container(ps, depth, JSON_ARRAY);
    case '"':
        v = xcalloc(1, sizeof *v);
        v->type = JSON_STRING;
        if (parse_string(ps, &v->str, &v->len) != 0) {
            free(v);
            return NULL;
        }
        return v;
    default:
        break;
    }
    if (literal(ps, "true")) {
        v = xcalloc(1, sizeof *v);
        v->type = JSON_TRUE;
        return v;
    }
    if (literal(ps, "false")) {
        v = xcalloc(1, sizeof *v);
        v->type = JSON_FALSE;
        return v;
    }
    if (literal(ps, "null")) {
        v = xcalloc(1, sizeof *v);
        v->type = JSON_NULL;
        return v;
    }
    return parse_number(ps);
}

json_value *json_parse(const char *text, size_t len, char *err, size_t err_cap) {
    parser ps;
    json_value *v;
    ps.p = text;
    ps.start = text;
    ps.end = text + len;
    ps.err = err;
    ps.err_cap = err_cap;
    ps.failed = 0;
    v = parse_value(&ps, 0);
    if (v == NULL) {
        return NULL;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "trailing data");
        json_free(v);
        return NULL;
    }
    return v;
}

json_value *json_parse_file(const char *path, char *err, size_t err_cap) {
    FILE *f = fopen(path, "rb");
    buf b = {NULL, 0, 0};
    json_value *v;
    int c;
    if (f == NULL) {
        if (err != NULL && err_cap > 0) {
            snprintf(err, err_cap, "cannot open %s: %s", path, strerror(errno));
        }
        return NULL;
    }
    while ((c = fgetc(f)) != EOF) {
        buf_push(&b, (char)c);
    }
    fclose(f);
    v = json_parse(b.data == NULL ? "" : b.data, b.len, err, err_cap);
    free(b.data);
    return v;
}

void json_free(json_value *v) {
    size_t i;
    if (v == NULL) {
        return;
    }
    for (i = 0; i < v->count; i++) {
        json_free(v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->key_lens);
    free(v->str);
    free(v);
}

const json_value *json_get(const json_value *v, const char *key) {
    size_t i, n = strlen(key);
    if (v == NULL || v->type != JSON_OBJECT) {
        return NULL;
    }
    for (i = 0; i < v->count; i++) {
        if (v->key_lens[i] == n && memcmp(v->keys[i], key, n) == 0) {
            return v->items[i];
        }
    }
    return NULL;
}

const char *json_get_str(const json_value *v, const char *key, size_t *len) {
    const json_value *s = json_get(v, key);
    if (s == NULL || s->type != JSON_STRING) {
        return NULL;
    }
    if (len != NULL) {
        *len = s->len;
    }
    return s->str;
}

/* Whole numbers only: digits with an optional leading '-'; no fraction, no exponent. */
static int whole(const json_value *v, int *neg, uint64_t *mag) {
    size_t i = 0;
    uint64_t m = 0;
    if (v == NULL || v->type != JSON_NUMBER || v->len == 0) {
        return -1;
    }
    *neg = 0;
    if (v->str[0] == '-') {
        *neg = 1;
        i = 1;
    }
    if (i == v->len) {
        return -1;
    }
    for (; i < v->len; i++) {
        char c = v->str[i];
        if (c < '0' || c > '9') {
            return -1;
        }
        if (m > (UINT64_MAX - (uint64_t)(c - '0')) / 10) {
            return -1;
        }
        m = m * 10 + (uint64_t)(c - '0');
    }
    *mag = m;
    return 0;
}

int json_int(const json_value *v, int64_t *out) {
    int neg;
    uint64_t mag;
    if (whole(v, &neg, &mag) != 0) {
        return -1;
    }
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1) {
            return -1;
        }
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX) {
            return -1;
        }
        *out = (int64_t)mag;
    }
    return 0;
}

int json_uint(const json_value *v, uint64_t *out) {
    int neg;
    uint64_t mag;
    if (whole(v, &neg, &mag) != 0 || (neg && mag != 0)) {
        return -1;
    }
    *out = mag;
    return 0;
}
