/* rules.c - see rules.h */
#include "rules.h"

#include <dirent.h>
#include <mupdf/fitz/crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doc.h"
#include "strbuf.h"
#include "utf8.h"

static void block_release(struct rules_block *b)
{
	for (size_t i = 0; i < b->nentries; i++) {
		free(b->entries[i].key);
		free(b->entries[i].value);
	}
	free(b->entries);
	free(b->id);
	free(b->file);
}

void rules_set_release(struct rules_set *set)
{
	for (size_t i = 0; i < set->nblocks; i++)
		block_release(&set->blocks[i]);
	free(set->blocks);
	set->blocks = NULL;
	set->nblocks = 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static struct rules_block *find_block(struct rules_set *set, const char *id)
{
	for (size_t i = 0; i < set->nblocks; i++)
		if (!strcmp(set->blocks[i].id, id))
			return &set->blocks[i];
	return NULL;
}

int rules_load_file(struct rules_set *set, const char *path, struct ex_error *err)
{
	struct sb file = SB_INIT;
	if (sb_read_file(&file, path) < 0) {
		sb_release(&file);
		return ex_fail(err, errno == ENOENT ? EX_DEP : EX_IO, path, 0, 0,
		               "cannot read rule file: %s", strerror(errno));
	}
	int rc = 0, lineno = 0;
	struct rules_block *cur = NULL;
	struct rules_entry *last = NULL;
	char *p = file.buf, *end = file.buf + file.len, *next;
	for (; p < end; p = next) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		next = nl ? nl + 1 : end;
		if (nl)
			*nl = '\0';
		char *line = p;
		lineno++;
		if (!utf8_valid(line, strlen(line))) {
			rc = ex_fail(err, EX_RULE, path, 0, lineno,
			             "not UTF-8 (rule files are UTF-8 text)");
			goto out;
		}
		int cont = (line[0] == ' ' || line[0] == '\t');
		char *t = trim(line);
		if (!*t || *t == '#') {
			if (!*t)
				last = NULL;
			continue;
		}
		if (cont && last) {
			size_t a = strlen(last->value), b = strlen(t);
			char *v = realloc(last->value, a + b + 2);
			if (!v)
				goto nomem;
			v[a] = '\n';
			memcpy(v + a + 1, t, b + 1);
			last->value = v;
			continue;
		}
		if (*t == '[') {
			char *end = strchr(t, ']');
			if (!end || end[1] || end == t + 1) {
				rc = ex_fail(err, EX_RULE, path, 0, lineno,
				             "malformed block header '%s': expected [rule-id]", t);
				goto out;
			}
			*end = '\0';
			if (find_block(set, t + 1)) {
				struct rules_block *o = find_block(set, t + 1);
				rc = ex_fail(err, EX_RULE, path, 0, lineno,
				             "rule '%s' already defined at %s:%d", t + 1, o->file,
				             o->line);
				goto out;
			}
			struct rules_block *nb =
			    realloc(set->blocks, sizeof(*nb) * (set->nblocks + 1));
			if (!nb)
				goto nomem;
			set->blocks = nb;
			cur = &set->blocks[set->nblocks];
			memset(cur, 0, sizeof(*cur));
			cur->id = strdup(t + 1);
			cur->file = strdup(path);
			cur->line = lineno;
			set->nblocks++;
			if (!cur->id || !cur->file)
				goto nomem;
			last = NULL;
			continue;
		}
		char *eq = strchr(t, '=');
		char *k = t;
		if (!eq) {
			rc = ex_fail(err, EX_RULE, path, 0, lineno,
			             "expected 'key = value', got '%s'", t);
			goto out;
		}
		*eq = '\0';
		k = trim(k);
		for (char *p = k; *p; p++)
			if (!is_key_char(*p) || !*k) {
				rc = ex_fail(err, EX_RULE, path, 0, lineno, "bad key '%s'", k);
				goto out;
			}
		if (!*k) {
			rc = ex_fail(err, EX_RULE, path, 0, lineno, "empty key");
			goto out;
		}
		if (!cur) {
			rc = ex_fail(err, EX_RULE, path, 0, lineno,
			             "'%s' outside a block: start one with [rule-id]", k);
			goto out;
		}
		struct rules_entry *ne = realloc(cur->entries, sizeof(*ne) * (cur->nentries + 1));
		if (!ne)
			goto nomem;
		cur->entries = ne;
		last = &cur->entries[cur->nentries];
		last->key = strdup(k);
		last->value = strdup(trim(eq + 1));
		last->line = lineno;
		cur->nentries++;
		if (!last->key || !last->value)
			goto nomem;
	}
out:
	sb_release(&file);
	return rc;
nomem:
	sb_release(&file);
	return ex_fail(err, EX_NOMEM, path, 0, lineno, "out of memory");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the regular files in dir ending in suffix. */
static int list_dir(const char *dir, const char *suffix, char ***names, size_t *n,
                    struct ex_error *err)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return ex_fail(err, errno == ENOENT ? EX_DEP : EX_IO, dir, 0, 0,
		               "cannot open rules folder: %s", strerror(errno));
	struct dirent *e;
	size_t sl = strlen(suffix);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix))
			continue;
		char **nn = realloc(*names, sizeof(char *) * (*n + 1));
		if (!nn || !(nn[*n] = strdup(e->d_name))) {
			if (nn)
				*names = nn;
			closedir(d);
			return ex_fail(err, EX_NOMEM, dir, 0, 0, "out of memory");
		}
		*names = nn;
		(*n)++;
	}
	closedir(d);
	qsort(*names, *n, sizeof(char *), name_cmp);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int rules_load_dir(struct rules_set *set, const char *dir, const char *suffix, struct ex_error *err)
{
	char **names;
	size_t n;
	int rc = list_dir(dir, suffix, &names, &n, err);
	if (rc < 0)
		return rc;
	struct sb path = SB_INIT;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sb_reset(&path);
		sb_addf(&path, "%s/%s", dir, names[i]);
		rc = rules_load_file(set, path.buf, err);
	}
	sb_release(&path);
	free_names(names, n);
	return rc;
}

int rules_jit_enabled(void)
{
	const char *v = getenv("TJX_JIT");
	return !(v && !strcmp(v, "0"));
}

const struct rules_entry *rules_entry(const struct rules_block *b, const char *key)
{
	for (size_t i = 0; i < b->nentries; i++)
		if (!strcmp(b->entries[i].key, key))
			return &b->entries[i];
	return NULL;
}

const char *rules_get(const struct rules_block *b, const char *key)
{
	const struct rules_entry *e = rules_entry(b, key);
	return e ? e->value : NULL;
}

int rules_check_keys(const struct rules_block *b, const char *const *allowed,
                     const char *const *required, struct ex_error *err)
{
	for (size_t i = 0; i < b->nentries; i++) {
		int ok = 0;
		for (const char *const *a = allowed; a && *a && !ok; a++)
			ok = !strcmp(*a, b->entries[i].key);
		if (!ok)
			return ex_fail(err, EX_RULE, b->file, 0, b->entries[i].line,
			               "rule '%s': unknown key '%s'", b->id, b->entries[i].key);
	}
	for (const char *const *r = required; r && *r; r++)
		if (!rules_get(b, *r))
			return ex_fail(err, EX_RULE, b->file, 0, b->line, "rule '%s': no '%s'",
			               b->id, *r);
	return 0;
}

int rules_read_lines(const char *path, int (*fn)(void *ctx, char *line, int lineno), void *ctx,
                     struct ex_error *err)
{
	struct sb file = SB_INIT;
	if (sb_read_file(&file, path) < 0) {
		sb_release(&file);
		return ex_fail(err, errno == ENOENT ? EX_DEP : EX_IO, path, 0, 0, "cannot read: %s",
		               strerror(errno));
	}
	int rc = 0, lineno = 0;
	char *p = file.buf, *end = file.buf + file.len;
	while (p < end && rc >= 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = '\0';
		lineno++;
		if (!utf8_valid(p, strlen(p))) {
			rc = ex_fail(err, EX_RULE, path, 0, lineno,
			             "not UTF-8 (the file must be UTF-8 text)");
			break;
		}
		/* strip a comment: '#' not preceded by a backslash */
		char *w = p;
		for (char *r = p; *r; r++) {
			if (*r == '\\' && r[1] == '#') {
				*w++ = '#';
				r++;
				continue;
			}
			if (*r == '#')
				break;
			*w++ = *r;
		}
		*w = '\0';
		char *t = trim(p);
		if (*t)
			rc = fn(ctx, t, lineno);
		p = nl + 1;
	}
	sb_release(&file);
	return rc;
}

/* Walk dir recursively, feeding "relative-name\0content" of each file in name
 * order into the digest. */
static int digest_walk(const char *dir, const char *rel, fz_sha256 *st, struct ex_error *err)
{
	char **names;
	size_t n;
	int rc = list_dir(dir, "", &names, &n, err);
	if (rc < 0)
		return rc;
	struct sb path = SB_INIT, r = SB_INIT, content = SB_INIT;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat stt;
		sb_reset(&path);
		sb_addf(&path, "%s/%s", dir, names[i]);
		sb_reset(&r);
		sb_addf(&r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (stat(path.buf, &stt) < 0)
			continue;
		if (S_ISDIR(stt.st_mode)) {
			rc = digest_walk(path.buf, r.buf, st, err);
			continue;
		}
		sb_reset(&content);
		if (sb_read_file(&content, path.buf) < 0) {
			rc =
			    ex_fail(err, EX_IO, path.buf, 0, 0, "cannot read: %s", strerror(errno));
			break;
		}
		fz_sha256_update(st, (const unsigned char *)r.buf, r.len + 1);
		fz_sha256_update(st, (const unsigned char *)content.buf, content.len);
	}
	sb_release(&path);
	sb_release(&r);
	sb_release(&content);
	free_names(names, n);
	return rc;
}

int rules_digest(const char *dir, char out[65], struct ex_error *err)
{
	fz_sha256 st;
	unsigned char dig[32];
	fz_sha256_init(&st);
	int rc = digest_walk(dir, "", &st, err);
	fz_sha256_final(&st, dig);
	for (int i = 0; i < 32; i++) {
		static const char hx[] = "0123456789abcdef";
		out[2 * i] = hx[dig[i] >> 4];
		out[2 * i + 1] = hx[dig[i] & 15];
	}
	out[64] = '\0';
	return rc;
}
