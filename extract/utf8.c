/* utf8.c - see utf8.h.  libunistring does the Unicode work. */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

int utf8_valid(const char *s, size_t n)
{
	return u8_check((const uint8_t *)s, n) == NULL;
}

uint32_t utf8_next(const char *s, size_t n, size_t *i)
{
	ucs4_t cp;
	int len = u8_mbtouc(&cp, (const uint8_t *)s + *i, n - *i);
	*i += len > 0 ? (size_t)len : 1;
	return cp;
}

int utf8_encode(uint32_t cp, char *out)
{
	int n = u8_uctomb((uint8_t *)out, cp, 4);
	if (n <= 0) {
		memcpy(out, "\xEF\xBF\xBD", 3);
		return 3;
	}
	return n;
}

size_t utf8_count(const char *s, size_t n)
{
	return u8_mbsnlen((const uint8_t *)s, n);
}

/* Windows-1252 0x80..0x9F; 0 where the code page leaves the byte undefined. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

char *utf8_from_cp1252(const char *s, size_t n, size_t *outlen)
{
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp = c;
		if (c >= 0x80 && c < 0xA0 && cp1252_high[c - 0x80])
			cp = cp1252_high[c - 0x80];
		o += (size_t)utf8_encode(cp, out + o);
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

/* libunistring returns strings without a terminator; add one. */
static char *terminate(uint8_t *r, size_t len, size_t *outlen)
{
	if (!r)
		return NULL;
	uint8_t *t = realloc(r, len + 1);
	if (!t) {
		free(r);
		return NULL;
	}
	t[len] = '\0';
	if (outlen)
		*outlen = len;
	return (char *)t;
}

/* Code points below U+0300 are all stable under NFC and none combines with
 * them unless a combining mark (U+0300 and up) follows; general punctuation
 * U+2002..U+206F is stable too.  Text made only of these is already NFC, which
 * is nearly all Swedish text: skip the work. */
int utf8_surely_nfc(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0xCC)
			continue;
		if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] >= 0x82) {
			i += 2; /* U+2002..U+203F */
			continue;
		}
		if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x81 &&
		    (unsigned char)s[i + 2] <= 0xAF) {
			i += 2; /* U+2040..U+206F */
			continue;
		}
		if (c >= 0x80 && c < 0xC0)
			continue; /* a continuation byte of an accepted character */
		return 0;
	}
	return 1;
}

char *utf8_nfc(const char *s, size_t n, size_t *outlen)
{
	size_t len = 0;
	if (n == 0)
		return terminate(calloc(1, 1), 0, outlen);
	if (utf8_surely_nfc(s, n)) {
		char *c = malloc(n + 1);
		if (!c)
			return NULL;
		memcpy(c, s, n);
		c[n] = '\0';
		if (outlen)
			*outlen = n;
		return c;
	}
	uint8_t *r = u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, NULL, &len);
	return terminate(r, len, outlen);
}

char *utf8_lower(const char *s, size_t n, size_t *outlen)
{
	size_t len = 0;
	if (n == 0)
		return terminate(calloc(1, 1), 0, outlen);
	uint8_t *r = u8_tolower((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL, &len);
	return terminate(r, len, outlen);
}

char *utf8_upper(const char *s, size_t n, size_t *outlen)
{
	size_t len = 0;
	if (n == 0)
		return terminate(calloc(1, 1), 0, outlen);
	uint8_t *r = u8_toupper((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL, &len);
	return terminate(r, len, outlen);
}

char *utf8_casefold(const char *s, size_t n, size_t *outlen)
{
	size_t len = 0;
	if (n == 0)
		return terminate(calloc(1, 1), 0, outlen);
	uint8_t *r = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL, &len);
	return terminate(r, len, outlen);
}

int utf8_is_alpha(uint32_t cp)
{
	return uc_is_alpha(cp);
}

int utf8_is_digit(uint32_t cp)
{
	return uc_is_digit(cp);
}

int utf8_is_upper(uint32_t cp)
{
	return uc_is_upper(cp);
}

int utf8_is_lower(uint32_t cp)
{
	return uc_is_lower(cp);
}

int utf8_is_space(uint32_t cp)
{
	return uc_is_space(cp) || cp == 0xA0;
}

int utf8_is_punct(uint32_t cp)
{
	return uc_is_punct(cp);
}

uint32_t utf8_cp_lower(uint32_t cp)
{
	return uc_tolower(cp);
}

uint32_t utf8_cp_upper(uint32_t cp)
{
	return uc_toupper(cp);
}
