/*
 * A small JSON reader for the C conformance suite: just enough to read
 * tests/vectors/{sign,decode,verify}.json (the single source of truth) without a dependency.
 *
 * Strings are decoded (escapes, \uXXXX with surrogate pairs) into UTF-8 and keep
 * their length, so a "\u0000" inside a string survives. Numbers keep their text;
 * json_int()/json_uint() convert whole numbers exactly (no double rounding).
 */
#ifndef VODSIGN_TEST_JSON_H
#define VODSIGN_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value json_value;

struct json_value {
    json_type type;
    /* JSON_STRING: decoded bytes (NUL-terminated, may contain NUL); JSON_NUMBER: the literal text. */
    char *str;
    size_t len;
    /* JSON_ARRAY / JSON_OBJECT: items in document order; keys[i] names items[i] in an object. */
    json_value **items;
    char **keys;
    size_t *key_lens;
    size_t count;
};

/* Parses a whole document; NULL on a syntax error (with a message in err, if given). */
json_value *json_parse(const char *text, size_t len, char *err, size_t err_cap);
/* Reads and parses a file; NULL with a message in err on failure. */
json_value *json_parse_file(const char *path, char *err, size_t err_cap);
void json_free(json_value *v);

/* Member of an object by key (NULL if v is not an object or has no such key). */
const json_value *json_get(const json_value *v, const char *key);
/* The string of a JSON_STRING member, or NULL. */
const char *json_get_str(const json_value *v, const char *key, size_t *len);
/* A whole number that fits; returns 0 on success, -1 if absent, not a whole number, or out of range. */
int json_int(const json_value *v, int64_t *out);
int json_uint(const json_value *v, uint64_t *out);

#endif
