/* utf8.h - the UTF-8 operations tjx needs, on top of GNU libunistring.
 *
 * Every function that returns a `char *` returns a new NUL-terminated string
 * the caller must free(), or NULL when memory ran out.  Input pointers are
 * borrowed.
 */
#ifndef TJX_UTF8_H
#define TJX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);

/* Decode the code point at s[*i], advance *i.  Malformed bytes decode as
 * U+FFFD and advance by one byte.  Returns the code point. */
uint32_t utf8_next(const char *s, size_t n, size_t *i);

/* Encode cp into out (at least 4 bytes); returns the number of bytes. */
int utf8_encode(uint32_t cp, char *out);

/* Number of code points in s[0..n). */
size_t utf8_count(const char *s, size_t n);

/* Windows-1252 (a superset of Latin-1) to UTF-8.  Bytes that Windows-1252
 * leaves undefined are taken as Latin-1. */
char *utf8_from_cp1252(const char *s, size_t n, size_t *outlen);

/* Unicode normalisation form C. */
char *utf8_nfc(const char *s, size_t n, size_t *outlen);

/* 1 when s[0..n) is surely NFC already: only characters that compose with
 * nothing before them and no combining mark after (nearly all Swedish
 * text); 0 when normalisation may change it. */
int utf8_surely_nfc(const char *s, size_t n);

/* Full lower and upper case mappings; casefold for caseless comparison. */
char *utf8_lower(const char *s, size_t n, size_t *outlen);
char *utf8_upper(const char *s, size_t n, size_t *outlen);
char *utf8_casefold(const char *s, size_t n, size_t *outlen);

/* Character classes (Unicode general categories). */
int utf8_is_alpha(uint32_t cp);
int utf8_is_digit(uint32_t cp);
int utf8_is_upper(uint32_t cp);
int utf8_is_lower(uint32_t cp);
int utf8_is_space(uint32_t cp);
int utf8_is_punct(uint32_t cp);
uint32_t utf8_cp_lower(uint32_t cp);
uint32_t utf8_cp_upper(uint32_t cp);

#endif
