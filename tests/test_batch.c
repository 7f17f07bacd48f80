/* test_batch.c - batch runs: inputs, shards, manifest, isolation, limits,
 * resume after SIGKILL, interruption, progress, and every kind of bad input.
 *
 * The bad inputs are made here, from the seeds and the OCR fixtures in
 * tests/data/ocr: nothing is taken on trust from a committed file that the
 * test could not explain.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <zlib.h>

#include "batch.h"
#include "testutil.h"

#define OCRDATA "tests/data/ocr/"

static char *path_in(const char *dir, const char *name)
{
	struct sb b = SB_INIT;
	sb_addf(&b, "%s/%s", dir, name);
	return sb_detach(&b, NULL);
}

static void put_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = path_in(dir, name);
	cr_assert_eq(tu_write(p, data, len), 0, "cannot write %s", p);
	free(p);
}

static void put_str(const char *dir, const char *name, const char *s)
{
	put_file(dir, name, s, strlen(s));
}

static char *seed_text(const char *num, size_t *len)
{
	char *seed = tu_seed(num);
	cr_assert_not_null(seed, "seed %s", num);
	char *t = tu_read(seed, len);
	cr_assert_not_null(t);
	free(seed);
	return t;
}

/* Copy a file into dir under a new name. */
static void copy_as(const char *src, const char *dir, const char *name)
{
	size_t n;
	char *d = tu_read(src, &n);
	cr_assert_not_null(d, "%s", src);
	put_file(dir, name, d, n);
	free(d);
}

/* The manifest row of an input whose path ends with `tail`; NULL when none. */
static const struct batch_row *row_for(const struct batch_manifest *m, const char *tail)
{
	for (size_t i = 0; i < m->n; i++) {
		size_t a = strlen(m->rows[i].input), b = strlen(tail);
		if (a >= b && !strcmp(m->rows[i].input + a - b, tail))
			return &m->rows[i];
	}
	return NULL;
}

static void read_manifest(const char *outdir, const char *name, struct batch_manifest *m)
{
	char *p = path_in(outdir, name);
	struct ex_error err;
	memset(m, 0, sizeof(*m));
	cr_assert_eq(batch_manifest_read(p, m, &err), 0, "%s: %s", p, err.msg);
	free(p);
}

static int count_files(const char *dir, const char *suffix, int hidden)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((e->d_name[0] == '.') != hidden)
			continue;
		size_t a = strlen(e->d_name), b = strlen(suffix);
		if (a >= b && !strcmp(e->d_name + a - b, suffix))
			n++;
	}
	closedir(d);
	return n;
}

/* A PNG of w x h 1-bit pixels, all white, compressed: a decompression bomb
 * when w and h are large.  Caller frees. */
static unsigned char *bomb_png(unsigned w, unsigned h, size_t *len)
{
	struct sb png = SB_INIT;
	static const unsigned char sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	sb_add(&png, sig, sizeof(sig));
#define PUT32(v)                                                                                   \
	do {                                                                                       \
		unsigned char b4[4] = {(unsigned char)((v) >> 24), (unsigned char)((v) >> 16),     \
		                       (unsigned char)((v) >> 8), (unsigned char)(v)};             \
		sb_add(&png, b4, 4);                                                               \
	} while (0)
	/* IHDR */
	unsigned char ihdr[17] = {'I', 'H', 'D', 'R'};
	for (int i = 0; i < 4; i++) {
		ihdr[4 + i] = (unsigned char)(w >> (24 - 8 * i));
		ihdr[8 + i] = (unsigned char)(h >> (24 - 8 * i));
	}
	ihdr[12] = 1; /* bit depth */
	ihdr[13] = 0; /* greyscale */
	PUT32(13u);
	sb_add(&png, ihdr, 17);
	PUT32((unsigned)crc32(0, ihdr, 17));
	/* IDAT: every row a filter byte 0 and white pixels */
	size_t rowlen = 1 + (w + 7) / 8;
	unsigned char *row = malloc(rowlen);
	memset(row, 0xFF, rowlen);
	row[0] = 0;
	z_stream z = {0};
	deflateInit(&z, 9);
	struct sb idat = SB_INIT;
	sb_add(&idat, "IDAT", 4);
	unsigned char out[65536];
	for (unsigned y = 0; y <= h; y++) {
		z.next_in = row;
		z.avail_in = y < h ? (uInt)rowlen : 0;
		int flush = y < h ? Z_NO_FLUSH : Z_FINISH;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			deflate(&z, flush);
			sb_add(&idat, out, sizeof(out) - z.avail_out);
		} while (z.avail_out == 0);
	}
	deflateEnd(&z);
	free(row);
	PUT32((unsigned)(idat.len - 4));
	sb_add(&png, idat.buf, idat.len);
	PUT32((unsigned)crc32(0, (const unsigned char *)idat.buf, (uInt)idat.len));
	sb_release(&idat);
	PUT32(0u);
	sb_add(&png, "IEND", 4);
	PUT32((unsigned)crc32(0, (const unsigned char *)"IEND", 4));
#undef PUT32
	return (unsigned char *)sb_detach(&png, len);
}

/* A well-formed PDF whose page tree has no pages. */
static const char empty_pdf[] = "%PDF-1.4\n"
                                "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                                "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
                                "xref\n0 3\n"
                                "0000000000 65535 f \n"
                                "0000000009 00000 n \n"
                                "0000000058 00000 n \n"
                                "trailer << /Size 3 /Root 1 0 R >>\n"
                                "startxref\n109\n%%EOF\n";

/* ---- inputs ---------------------------------------------------------------- */

Test(batch, collect_walks_in_order_with_ignores_and_unique_record_paths)
{
	char *dir = tu_tmpdir();
	cr_assert_eq(
	    tu_sh("cd %s && mkdir -p in/b in/a other && echo x > in/b/z.txt && "
	          "echo x > in/a/a.txt && echo x > in/a/a.pdf && echo x > in/.hidden && "
	          "echo x > in/skip.log && printf '*.log\\n# comment\\n' > in/.tjxignore && "
	          "echo x > other/z.txt && echo x > in/z.txt",
	          dir),
	    0);
	char *in_dir = path_in(dir, "in"), *other = path_in(dir, "other/z.txt"),
	     *z = path_in(dir, "in/z.txt");
	char *args[] = {in_dir, other, z};
	struct batch_inputs in = {0};
	struct ex_error err;
	cr_assert_eq(batch_collect(args, 3, "OUT", &in, NULL, NULL, &err), 0);
	cr_assert_eq(in.n, 6, "got %zu inputs", in.n);
	/* name order, hidden and ignored entries left out */
	cr_assert_str_eq(in.items[0].name, "a/a.pdf");
	cr_assert_str_eq(in.items[1].name, "a/a.txt");
	cr_assert_str_eq(in.items[2].name, "b/z.txt");
	cr_assert_str_eq(in.items[3].name, "z.txt");
	/* a shared stem keeps the extension; identical names are numbered */
	cr_assert_str_eq(in.items[0].out, "OUT/a/a.pdf.xml");
	cr_assert_str_eq(in.items[1].out, "OUT/a/a.txt.xml");
	cr_assert_str_eq(in.items[2].out, "OUT/b/z.xml");
	cr_assert_str_eq(in.items[3].out, "OUT/z.txt.xml");
	cr_assert_str_eq(in.items[4].out, "OUT/z.txt~2.xml");
	cr_assert_str_eq(in.items[5].out, "OUT/z.txt~3.xml");
	for (size_t i = 0; i < in.n; i++)
		cr_assert_null(in.items[i].fail);
	batch_inputs_release(&in);
	tu_sh("rm -rf %s", dir);
	free(in_dir);
	free(other);
	free(z);
	free(dir);
}

Test(batch, walk_reports_loops_dangling_links_and_fifos_as_failed_inputs)
{
	char *dir = tu_tmpdir();
	cr_assert_eq(tu_sh("cd %s && mkdir -p in/sub && echo x > in/ok.txt && "
	                   "ln -s .. in/sub/up && ln -s nowhere in/dangling.txt && "
	                   "ln -s loop2.txt in/loop1.txt && ln -s loop1.txt in/loop2.txt && "
	                   "mkfifo in/fifo.pdf",
	                   dir),
	             0);
	char *in_dir = path_in(dir, "in");
	struct batch_inputs in = {0};
	struct ex_error err;
	cr_assert_eq(batch_collect(&in_dir, 1, "OUT", &in, NULL, NULL, &err), 0);
	int loop = 0, dangling = 0, linkloop = 0, fifo = 0, ok = 0;
	for (size_t i = 0; i < in.n; i++) {
		const struct batch_input *b = &in.items[i];
		if (!strcmp(b->name, "ok.txt"))
			ok += !b->fail;
		else if (!strcmp(b->name, "sub/up"))
			loop += b->fail && strstr(b->fail, "symlink loop");
		else if (!strcmp(b->name, "dangling.txt"))
			dangling += b->fail && strstr(b->fail, "No such file");
		else if (!strcmp(b->name, "loop1.txt") || !strcmp(b->name, "loop2.txt"))
			linkloop += b->fail && strstr(b->fail, "symbolic links");
		else if (!strcmp(b->name, "fifo.pdf"))
			fifo += b->fail && strstr(b->fail, "FIFO");
	}
	cr_assert_eq(ok, 1);
	cr_assert_eq(loop, 1, "the folder loop is a failed input");
	cr_assert_eq(dangling, 1);
	cr_assert_eq(linkloop, 2);
	cr_assert_eq(fifo, 1);
	cr_assert_eq(in.n, 6);
	batch_inputs_release(&in);
	tu_sh("rm -rf %s", dir);
	free(in_dir);
	free(dir);
}

Test(batch, shards_are_disjoint_and_complete)
{
	char paths[500][32];
	for (int i = 0; i < 500; i++)
		snprintf(paths[i], sizeof(paths[i]), "scans/%03d/doc-%d.pdf", i % 37, i);
	for (int n = 1; n <= 9; n++) {
		int per[10] = {0};
		for (int i = 0; i < 500; i++) {
			int k = batch_shard_of(paths[i], n);
			cr_assert(k >= 1 && k <= n);
			cr_assert_eq(k, batch_shard_of(paths[i], n), "deterministic");
			per[k]++;
		}
		int total = 0;
		for (int k = 1; k <= n; k++) {
			total += per[k];
			/* a hash spreads them: no shard is empty or takes twice its share */
			cr_assert(per[k] > 0 && per[k] < 2 * 500 / n + 10, "n=%d k=%d: %d", n, k,
			          per[k]);
		}
		cr_assert_eq(total, 500);
	}
	/* batch_inputs_shard keeps exactly its share */
	struct batch_inputs all = {0};
	for (int i = 0; i < 500; i++)
		batch_inputs_add(&all, paths[i], paths[i], "x", NULL);
	size_t seen = 0;
	for (int k = 1; k <= 4; k++) {
		struct batch_inputs part = {0};
		for (size_t i = 0; i < all.n; i++)
			batch_inputs_add(&part, all.items[i].path, all.items[i].name, "x", NULL);
		batch_inputs_shard(&part, k, 4);
		for (size_t i = 0; i < part.n; i++)
			cr_assert_eq(batch_shard_of(part.items[i].path, 4), k);
		seen += part.n;
		batch_inputs_release(&part);
	}
	cr_assert_eq(seen, 500);
	batch_inputs_release(&all);
	int k, n;
	struct ex_error err;
	cr_assert_eq(batch_parse_shard("3/8", &k, &n, &err), 0);
	cr_assert(k == 3 && n == 8);
	cr_assert_lt(batch_parse_shard("0/8", &k, &n, &err), 0);
	cr_assert_lt(batch_parse_shard("9/8", &k, &n, &err), 0);
	cr_assert_lt(batch_parse_shard("2", &k, &n, &err), 0);
}

/* N runs with --shard K/N over the same folder: every input in exactly one
 * manifest, and a record for each. */
Test(batch, shard_runs_cover_every_input_once)
{
	char *dir = tu_tmpdir();
	size_t len;
	char *t = seed_text("004", &len);
	cr_assert_eq(tu_sh("mkdir -p %s/in", dir), 0);
	char *in_dir = path_in(dir, "in");
	for (int i = 0; i < 24; i++) {
		char name[32];
		snprintf(name, sizeof(name), "doc%02d.txt", i);
		put_file(in_dir, name, t, len);
	}
	for (int k = 1; k <= 3; k++) {
		struct tu_result r = tu_run(NULL, "%s run -q --lenient --shard %d/3 -o %s/out %s",
		                            tu_bin(), k, dir, in_dir);
		cr_assert_eq(r.status, 0, "%s", r.err);
		tu_result_free(&r);
	}
	char *out = path_in(dir, "out");
	int count[24] = {0};
	for (int k = 1; k <= 3; k++) {
		struct batch_manifest m;
		read_manifest(out, batch_manifest_name(k, 3), &m);
		for (size_t i = 0; i < m.n; i++) {
			int num = atoi(strstr(m.rows[i].input, "doc") + 3);
			count[num]++;
			cr_assert_eq(m.rows[i].status, BATCH_OK);
		}
		batch_manifest_release(&m);
	}
	for (int i = 0; i < 24; i++)
		cr_assert_eq(count[i], 1, "doc%02d in %d shards", i, count[i]);
	cr_assert_eq(count_files(out, ".xml", 0), 24);
	tu_sh("rm -rf %s", dir);
	free(in_dir);
	free(out);
	free(t);
	free(dir);
}

/* ---- manifest and atomic writes --------------------------------------------- */

Test(batch, tsv_fields_escape_and_come_back)
{
	const char *s = "a\tb\nc\\d\re ö";
	struct sb b = SB_INIT;
	batch_tsv_escape(&b, s);
	cr_assert_null(strchr(b.buf, '\t'));
	cr_assert_null(strchr(b.buf, '\n'));
	cr_assert_null(strchr(b.buf, '\r'));
	batch_tsv_unescape(b.buf);
	cr_assert_str_eq(b.buf, s);
	sb_release(&b);
}

Test(batch, write_atomic_leaves_the_file_or_nothing)
{
	char *dir = tu_tmpdir();
	char *p = path_in(dir, "deep/er/x.xml");
	struct ex_error err;
	cr_assert_eq(batch_write_atomic(p, "<a/>\n", 5, &err), 0);
	size_t n;
	char *back = tu_read(p, &n);
	cr_assert_str_eq(back, "<a/>\n");
	free(back);
	char *d = path_in(dir, "deep/er");
	cr_assert_eq(count_files(d, "", 1), 0, "no temporary file left");
	/* a folder where the file should be: the write fails, nothing is left */
	char *clash = path_in(dir, "deep/er/x.xml/y.xml");
	cr_assert_lt(batch_write_atomic(clash, "z", 1, &err), 0);
	cr_assert_eq(err.code, EX_IO);
	cr_assert_eq(count_files(d, "", 1), 0);
	tu_sh("rm -rf %s", dir);
	free(clash);
	free(d);
	free(p);
	free(dir);
}

/* ---- the acceptance batch: good documents and every bad input ------------------ */

struct bad {
	const char *name;   /* as written in the input folder */
	const char *reason; /* what the error must say */
};

static char *make_mixed_batch(char *dir)
{
	char *in = path_in(dir, "in");
	cr_assert_eq(tu_sh("mkdir -p '%s/sub'", in), 0);
	size_t len;
	char *t = seed_text("004", &len);
	/* good documents, some with awkward names */
	put_file(in, "good.txt", t, len);
	put_file(in, "with space.txt", t, len);
	put_file(in, "new\nline.txt", t, len);
	put_file(in, "tab\there.txt", t, len);
	put_file(in, "Förvaltningsärende åäö.txt", t, len);
	copy_as(OCRDATA "layer.pdf", in, "layer.pdf");
	/* text with & < and control characters */
	struct sb s = SB_INIT;
	sb_add(&s, t, len);
	sb_adds(&s, "\nBolaget AB & Co <script> \x01\x02\x1b[31m bell\x07 ok\n");
	put_file(in, "markup.txt", s.buf, s.len);
	sb_release(&s);
	/* Latin-1 text: converted, with a warning */
	char *latin = malloc(len * 2 + 1);
	size_t ln = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == 0xC3 && i + 1 < len) {
			latin[ln++] = (char)(((unsigned char)t[++i]) + 0x40);
			continue;
		}
		latin[ln++] = (char)c;
	}
	put_file(in, "latin1.txt", latin, ln);
	free(latin);
	/* bad ones */
	put_str(in, "empty.txt", "");
	size_t pl;
	char *pdf = tu_read(OCRDATA "layer.pdf", &pl);
	put_file(in, "truncated.pdf", pdf, 300);         /* cut inside the first objects */
	put_file(in, "truncated-late.pdf", pdf, pl / 3); /* cut after the page's objects */
	/* broken xref: startxref points at the wrong place (same length, all 9s) */
	char *x = NULL;
	for (char *f = pdf; (f = memmem(f, pl - (size_t)(f - pdf), "startxref", 9)); f += 9)
		x = f + 9;
	cr_assert_not_null(x, "layer.pdf has a startxref");
	while (*x == '\r' || *x == '\n' || *x == ' ')
		x++;
	cr_assert(*x >= '0' && *x <= '9');
	for (; *x >= '0' && *x <= '9'; x++)
		*x = '9';
	put_file(in, "broken-xref.pdf", pdf, pl);
	free(pdf);
	copy_as(OCRDATA "encrypted.pdf", in, "encrypted.pdf");
	put_str(in, "nopages.pdf", empty_pdf);
	copy_as(OCRDATA "scan2.pdf", in, "two-pages.pdf");
	copy_as(OCRDATA "scan.jpg", in, "photo.pdf");
	size_t bl;
	unsigned char *bomb = bomb_png(30000, 30000, &bl);
	put_file(in, "bomb.png", bomb, bl);
	free(bomb);
	put_file(in, "binary.txt", "\x00\x01\x02\x03\x00\xff", 6);
	cr_assert_eq(tu_sh("cd '%s' && ln -s .. sub/loop && ln -s l2.txt l1.txt && "
	                   "ln -s l1.txt l2.txt && ln -s /proc/self/mem unreadable.pdf && "
	                   "mkfifo fifo.pdf",
	                   in),
	             0);
	free(t);
	return in;
}

static const struct bad bad_inputs[] = {
    {"empty.txt", "empty file"},
    {"truncated.pdf", "not a readable PDF"},
    {"truncated-late.pdf", ""},
    {"broken-xref.pdf", ""},
    {"encrypted.pdf", "password"},
    {"nopages.pdf", "no pages"},
    {"two-pages.pdf", "max-pages"},
    {"photo.pdf", ""}, /* a JPEG named .pdf is read as the JPEG it is */
    {"bomb.png", "pixels"},
    {"binary.txt", "not a text file"},
    {"sub/loop", "symlink loop"},
    {"l1.txt", "symbolic links"},
    {"l2.txt", "symbolic links"},
    {"unreadable.pdf", "Input/output error"},
    {"fifo.pdf", "FIFO"},
};

Test(batch, mixed_batch_of_good_and_bad_inputs, .timeout = 300)
{
	char *dir = tu_tmpdir();
	char *in = make_mixed_batch(dir);
	char *out = path_in(dir, "out");
	struct tu_result r =
	    tu_run(NULL, "%s run -j2 --lenient --max-pages 1 -o '%s' '%s'", tu_bin(), out, in);
	cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	/* every line of stderr is one line per failure or warning, plus the summary */
	cr_assert_not_null(strstr(r.err, "documents: "), "%s", r.err);
	struct batch_manifest m;
	read_manifest(out, "manifest.tsv", &m);
	/* the good ones */
	const char *good[] = {"good.txt",
	                      "with space.txt",
	                      "new\nline.txt",
	                      "tab\there.txt",
	                      "Förvaltningsärende åäö.txt",
	                      "layer.pdf",
	                      "markup.txt",
	                      "latin1.txt"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		const struct batch_row *row = row_for(&m, good[i]);
		cr_assert_not_null(row, "no row for %s", good[i]);
		cr_assert(row->status == BATCH_OK || row->status == BATCH_PARTIAL, "%s: %s",
		          good[i], row->error);
		struct tu_result v = tu_run(NULL, "%s validate '%s'", tu_bin(), row->record);
		cr_assert_eq(v.status, 0, "%s: %s", row->record, v.err);
		tu_result_free(&v);
		cr_assert_eq(strlen(row->sha256), 64);
	}
	const struct batch_row *lat = row_for(&m, "latin1.txt");
	cr_assert_not_null(strstr(lat->error, "Windows-1252"), "%s", lat->error);
	cr_assert_not_null(strstr(r.err, "latin1.txt: not UTF-8"), "%s", r.err);
	/* the name with a newline is one escaped line on stderr and one row */
	cr_assert_null(strstr(r.err, "new\nline"));
	const struct batch_row *nl = row_for(&m, "new\nline.txt");
	char *rec = tu_read(nl->record, NULL);
	cr_assert_not_null(rec);
	free(rec);
	/* & < and control characters are escaped or dropped: the record validates (above) */
	rec = tu_read(row_for(&m, "markup.txt")->record, NULL);
	cr_assert_null(strchr(rec, '\x01'));
	cr_assert_null(strchr(rec, '\x1b'));
	free(rec);
	/* each bad input: failed, the reason in the manifest and on stderr */
	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(*bad_inputs); i++) {
		const struct bad *b = &bad_inputs[i];
		const struct batch_row *row = row_for(&m, b->name);
		cr_assert_not_null(row, "no row for %s", b->name);
		if (!strcmp(b->name, "broken-xref.pdf") || !strcmp(b->name, "photo.pdf") ||
		    !strcmp(b->name, "truncated-late.pdf"))
			continue; /* checked below */
		cr_assert_eq(row->status, BATCH_FAILED, "%s: %s", b->name,
		             batch_status_name(row->status));
		cr_assert(*row->error, "%s has no reason", b->name);
		cr_assert_not_null(strstr(row->error, b->reason), "%s: '%s'", b->name, row->error);
		char line[512];
		snprintf(line, sizeof(line), "error: %s/%s: ", in, b->name);
		cr_assert_not_null(strstr(r.err, line), "no error line for %s in\n%s", b->name,
		                   r.err);
		struct stat st;
		cr_assert_neq(stat(row->record, &st), 0, "a failed input has no record: %s",
		              row->record);
	}
	/* MuPDF repairs a broken xref, and a PDF cut after its page: read with a
	 * warning that says so (on stderr too), or refused with a reason */
	const char *repaired[] = {"broken-xref.pdf", "truncated-late.pdf"};
	for (int i = 0; i < 2; i++) {
		const struct batch_row *bx = row_for(&m, repaired[i]);
		cr_assert(bx->status == BATCH_FAILED ? *bx->error != 0
		                                     : strstr(bx->error, "damaged") != NULL,
		          "%s: %s %s", repaired[i], batch_status_name(bx->status), bx->error);
		char line[512];
		snprintf(line, sizeof(line),
		         "%s: %s/%s: ", bx->status == BATCH_FAILED ? "error" : "warning", in,
		         repaired[i]);
		cr_assert_not_null(strstr(r.err, line), "%s", r.err);
	}
	/* a JPEG named .pdf: type found from the content, read as the image it is */
	const struct batch_row *ph = row_for(&m, "photo.pdf");
	cr_assert(ph->status == BATCH_OK || ph->status == BATCH_PARTIAL ||
	              (ph->status == BATCH_FAILED && !strstr(ph->error, "PDF")),
	          "photo.pdf: %s %s", batch_status_name(ph->status), ph->error);
	/* a row per input, each row one line */
	cr_assert_eq(m.n, sizeof(good) / sizeof(*good) + sizeof(bad_inputs) / sizeof(*bad_inputs));
	char *man = path_in(out, "manifest.tsv");
	char *text = tu_read(man, NULL);
	cr_assert_eq(tu_count_lines(text), (int)m.n + 1);
	free(text);
	free(man);
	batch_manifest_release(&m);
	tu_result_free(&r);
	tu_sh("rm -rf '%s'", dir);
	free(in);
	free(out);
	free(dir);
}

Test(batch, unwritable_output_folder_exits_5)
{
	char *dir = tu_tmpdir();
	size_t len;
	char *t = seed_text("004", &len);
	put_file(dir, "a.txt", t, len);
	put_str(dir, "file", "not a folder");
	struct tu_result r =
	    tu_run(NULL, "%s run --lenient -o %s/file/out %s/a.txt", tu_bin(), dir, dir);
	cr_assert_eq(r.status, 5, "%d %s", r.status, r.err);
	cr_assert_eq(tu_count_lines(r.err), 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "output folder cannot be written"));
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(t);
	free(dir);
}

/* ---- isolation and limits ------------------------------------------------------ */

static char *seed_folder(char *dir, int copies)
{
	char *in = path_in(dir, "in");
	cr_assert_eq(tu_sh("mkdir -p %s", in), 0);
	const char *nums[] = {"000", "001", "002", "003", "004"};
	for (int c = 0; c < copies; c++)
		for (int i = 0; i < 5; i++) {
			size_t len;
			char *t = seed_text(nums[i], &len);
			char name[32];
			snprintf(name, sizeof(name), "s%s-%03d.txt", nums[i], c);
			put_file(in, name, t, len);
			free(t);
		}
	return in;
}

Test(batch, crash_hang_and_memory_blowup_are_contained, .timeout = 300)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 1);
	struct {
		const char *fault, *opts, *reason;
	} cases[] = {
	    {"crash:s002", "", "killed by signal"},
	    {"hang:s002", "--timeout 2", "timed out after 2 s (--timeout)"},
	    {"hog:s002", "--max-memory 300", "--max-memory (300 MB)"},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		struct tu_result r =
		    tu_run(NULL, "TJX_TEST_FAULT=%s %s run -j2 --lenient %s -o %s/out%zu %s",
		           cases[c].fault, tu_bin(), cases[c].opts, dir, c, in);
		cr_assert_eq(r.status, 1, "%s: %d %s", cases[c].fault, r.status, r.err);
		char *out = path_in(dir, "out0");
		out[strlen(out) - 1] = (char)('0' + c);
		struct batch_manifest m;
		read_manifest(out, "manifest.tsv", &m);
		cr_assert_eq(m.n, 5);
		for (size_t i = 0; i < m.n; i++) {
			const struct batch_row *row = &m.rows[i];
			if (strstr(row->input, "s002")) {
				cr_assert_eq(row->status, BATCH_FAILED);
				cr_assert_not_null(strstr(row->error, cases[c].reason), "%s: %s",
				                   cases[c].fault, row->error);
			} else {
				cr_assert_eq(row->status, BATCH_OK, "%s after %s: %s", row->input,
				             cases[c].fault, row->error);
			}
		}
		cr_assert_eq(count_files(out, ".xml", 0), 4);
		batch_manifest_release(&m);
		tu_result_free(&r);
		free(out);
	}
	tu_sh("rm -rf %s", dir);
	free(in);
	free(dir);
}

/* A worker that keeps memory from document to document (as libraries do)
 * is replaced before it reaches --max-memory: each document keeps 128 MB,
 * so one worker for all five would fail the fourth. */
Test(batch, a_worker_that_grows_is_replaced_before_its_limit, .timeout = 120)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 1);
	struct tu_result r = tu_run(NULL,
	                            "TJX_TEST_FAULT=leak:s0 %s run -j1 --lenient --max-memory 420 "
	                            "-o %s/out %s",
	                            tu_bin(), dir, in);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "5 documents: 5 ok"), "%s", r.err);
	tu_result_free(&r);
	/* the hook's memory does count against the limit: 128 MB never fits in 100 */
	r = tu_run(NULL,
	           "TJX_TEST_FAULT=leak:s0 %s run -j1 --lenient --max-memory 100 -o %s/small %s",
	           tu_bin(), dir, in);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "--max-memory"), "%s", r.err);
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(in);
	free(dir);
}

/* A long document's pages are spread over the workers and put back in order:
 * the record is byte for byte the one a single worker writes. */
Test(batch, page_ranges_over_workers_give_the_same_record)
{
	char *dir = tu_tmpdir();
	struct sb doc = SB_INIT;
	const char *nums[] = {"004", "001", "002", "003", "000"};
	for (int p = 0; p < 11; p++) {
		size_t len;
		char *t = seed_text(nums[p % 5], &len);
		if (p)
			sb_addc(&doc, '\f');
		sb_add(&doc, t, len);
		free(t);
	}
	put_file(dir, "long.txt", doc.buf, doc.len);
	sb_release(&doc);
	struct tu_result r =
	    tu_run(NULL, "%s run -q --lenient -j1 -o %s/one %s/long.txt", tu_bin(), dir, dir);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	r = tu_run(NULL, "%s run -q --lenient -j2 --pages-per-job 2 -o %s/split %s/long.txt",
	           tu_bin(), dir, dir);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	cr_assert_eq(tu_sh("cmp %s/one/long.xml %s/split/long.xml", dir, dir), 0);
	struct batch_manifest m;
	char *split = path_in(dir, "split");
	read_manifest(split, "manifest.tsv", &m);
	cr_assert_eq(m.rows[0].pages, 11);
	batch_manifest_release(&m);
	/* a crash while reading a range after the first (the hook crashes every
	 * one of them, so which comes first is up to the scheduler) fails the
	 * document and names the range */
	r = tu_run(NULL,
	           "TJX_TEST_FAULT=crash-range:long %s run --lenient -j2 --pages-per-job 2 "
	           "-o %s/crash %s/long.txt",
	           tu_bin(), dir, dir);
	cr_assert_eq(r.status, 1);
	const char *at = strstr(r.err, "long.txt: pages ");
	cr_assert_not_null(at, "%s", r.err);
	int a = 0, b = 0;
	cr_assert_eq(sscanf(at, "long.txt: pages %d-%d:", &a, &b), 2, "%s", r.err);
	cr_assert(a > 1 && b == a + 1 && a % 2 == 1, "%s", r.err);
	cr_assert_not_null(strstr(at, ": the worker reading it was killed by signal"), "%s", r.err);
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(split);
	free(dir);
}

/* A worker keeps its normaliser from document to document (its caches make a
 * batch fast), so a record must not depend on what else the worker read
 * before it: b.txt read after a.txt, which has the same damaged word inside
 * a sentence, gives the record b.txt gives alone (the word opens a sentence
 * in b.txt and keeps its capital; a chunk memo without the sentence start
 * in its key made it small there, and the attachment list merged it into
 * the item above). */
Test(batch, a_record_does_not_depend_on_what_else_its_worker_read, .timeout = 120)
{
	char *dir = tu_tmpdir();
	char *all = path_in(dir, "all"), *alone = path_in(dir, "alone");
	cr_assert_eq(tu_sh("mkdir -p %s %s", all, alone), 0);
	size_t len;
	char *t = seed_text("001", &len);
	struct sb a = SB_INIT, b = SB_INIT;
	sb_add(&a, t, len);
	sb_add(&a, "\nVi har en Atgardsplan nu.\n", strlen("\nVi har en Atgardsplan nu.\n"));
	sb_add(&b, t, len);
	sb_add(&b, "\nAtgardsplan for skolan tas fram.\n",
	       strlen("\nAtgardsplan for skolan tas fram.\n"));
	cr_assert(!a.oom && !b.oom);
	put_file(all, "a.txt", a.buf, a.len);
	put_file(all, "b.txt", b.buf, b.len);
	put_file(alone, "b.txt", b.buf, b.len);
	struct tu_result r =
	    tu_run(NULL, "%s run -q --lenient -j1 -o %s/out-all %s", tu_bin(), dir, all);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	r = tu_run(NULL, "%s run -q --lenient -j1 -o %s/out-alone %s", tu_bin(), dir, alone);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	cr_assert_eq(tu_sh("cmp %s/out-all/b.xml %s/out-alone/b.xml", dir, dir), 0);
	cr_assert_eq(tu_sh("grep -q '>Åtgärdsplan for skolan tas fram<' %s/out-alone/b.xml", dir),
	             0);
	sb_release(&a);
	sb_release(&b);
	free(t);
	tu_sh("rm -rf %s", dir);
	free(all);
	free(alone);
	free(dir);
}

/* ---- resume ----------------------------------------------------------------------- */

static struct tu_result run_seeds(const char *in, const char *out, const char *extra)
{
	return tu_run(NULL, "%s run -j2 --lenient %s -o %s %s", tu_bin(), extra, out, in);
}

Test(batch, rerun_skips_up_to_date_records_and_force_redoes_them)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 1);
	char *out = path_in(dir, "out");
	struct tu_result r = run_seeds(in, out, "");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	r = run_seeds(in, out, "");
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.err, "0 ok, 0 partial, 0 failed, 5 skipped"), "%s", r.err);
	tu_result_free(&r);
	/* a changed input, a deleted record: those two are redone */
	cr_assert_eq(tu_sh("echo 'Tillägg.' >> %s/s000-000.txt && rm %s/s001-000.xml", in, out), 0);
	r = run_seeds(in, out, "");
	cr_assert_not_null(strstr(r.err, "2 ok, 0 partial, 0 failed, 3 skipped"), "%s", r.err);
	tu_result_free(&r);
	struct batch_manifest m;
	read_manifest(out, "manifest.tsv", &m);
	cr_assert_eq(row_for(&m, "s000-000.txt")->status, BATCH_OK);
	cr_assert_eq(row_for(&m, "s004-000.txt")->status, BATCH_SKIPPED);
	batch_manifest_release(&m);
	/* other options shape other records: redone */
	r = run_seeds(in, out, "--no-provenance");
	cr_assert_not_null(strstr(r.err, "5 ok, 0 partial, 0 failed, 0 skipped"), "%s", r.err);
	tu_result_free(&r);
	r = run_seeds(in, out, "--no-provenance --force");
	cr_assert_not_null(strstr(r.err, "5 ok, 0 partial, 0 failed, 0 skipped"), "%s", r.err);
	tu_result_free(&r);
	/* records another tjx made (the manifest names its version): redone */
	cr_assert_eq(tu_sh("grep -c 'tjx=" TJX_VERSION " ' %s/manifest.tsv | grep -qx 5", out), 0);
	cr_assert_eq(tu_sh("sed -i '2,3s/tjx=" TJX_VERSION " /tjx=0.0.1 /' %s/manifest.tsv", out),
	             0);
	r = run_seeds(in, out, "--no-provenance");
	cr_assert_not_null(strstr(r.err, "2 ok, 0 partial, 0 failed, 3 skipped"), "%s", r.err);
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(in);
	free(out);
	free(dir);
}

Test(batch, retry_failed_takes_only_the_failed_ones)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 1);
	char *out = path_in(dir, "out");
	struct tu_result r = tu_run(NULL, "TJX_TEST_FAULT=crash:s003 %s run -j2 --lenient -o %s %s",
	                            tu_bin(), out, in);
	cr_assert_eq(r.status, 1);
	tu_result_free(&r);
	r = tu_run(NULL, "%s run --lenient --retry-failed %s", tu_bin(), out);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "1 document: 1 ok"), "%s", r.err);
	tu_result_free(&r);
	struct batch_manifest m;
	read_manifest(out, "manifest.tsv", &m);
	cr_assert_eq(m.n, 5);
	for (size_t i = 0; i < m.n; i++)
		cr_assert_eq(m.rows[i].status, BATCH_OK, "%s", m.rows[i].input);
	batch_manifest_release(&m);
	r = tu_run(NULL, "%s run --retry-failed %s %s", tu_bin(), out, in);
	cr_assert_eq(r.status, 2, "no PATH with --retry-failed");
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(in);
	free(out);
	free(dir);
}

static pid_t start_run(const char *in, const char *out)
{
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(tu_bin(), tu_bin(), "run", "-j2", "--lenient", "-o", out, in, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Kill the supervisor (and so its workers) with SIGKILL once `records`
 * records are there; returns how many there were. */
static int kill_after(const char *in, const char *out, int records)
{
	pid_t pid = start_run(in, out);
	int n = 0, st = 0;
	for (int i = 0; i < 20000; i++) {
		n = count_files(out, ".xml", 0);
		if (n >= records || waitpid(pid, &st, WNOHANG) == pid)
			break;
		struct timespec ts = {0, 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	/* workers die with the supervisor: nothing is written after it */
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	n = count_files(out, ".xml", 0);
	nanosleep(&ts, NULL);
	cr_assert_eq(count_files(out, ".xml", 0), n, "a worker outlived its supervisor");
	return n;
}

Test(batch, sigkill_then_rerun_gives_the_records_of_an_uninterrupted_run, .timeout = 600)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 40); /* 200 documents */
	char *ref = path_in(dir, "ref"), *out = path_in(dir, "out");
	struct tu_result r = run_seeds(in, ref, "-q");
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	int first = kill_after(in, out, 20);
	cr_assert(first < 200, "the run was killed before the end (%d records)", first);
	/* what is there is complete: every record validates */
	r = tu_run(NULL, "%s validate %s/*.xml", tu_bin(), out);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	/* killed again, later, while resuming */
	kill_after(in, out, 120);
	r = run_seeds(in, out, "-q");
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* what the journal recorded was not done again */
	cr_assert_null(strstr(r.err, " 0 skipped"), "%s", r.err);
	tu_result_free(&r);
	cr_assert_eq(tu_sh("diff -r -x '.*' -x manifest.tsv %s %s", ref, out), 0,
	             "records differ from an uninterrupted run");
	cr_assert_eq(count_files(out, "", 1), 1, "only the lock file is hidden in the output");
	struct batch_manifest a, b;
	read_manifest(ref, "manifest.tsv", &a);
	read_manifest(out, "manifest.tsv", &b);
	cr_assert_eq(a.n, 200);
	cr_assert_eq(b.n, 200);
	for (size_t i = 0; i < a.n; i++) {
		cr_assert_str_eq(a.rows[i].input, b.rows[i].input);
		cr_assert_str_eq(a.rows[i].sha256, b.rows[i].sha256);
		cr_assert_neq(b.rows[i].status, BATCH_FAILED);
	}
	batch_manifest_release(&a);
	batch_manifest_release(&b);
	tu_sh("rm -rf %s", dir);
	free(in);
	free(ref);
	free(out);
	free(dir);
}

/* ---- interruption and progress ------------------------------------------------------ */

Test(batch, sigint_stops_workers_writes_the_manifest_and_exits_130, .timeout = 120)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 1);
	char *out = path_in(dir, "out"), *errp = path_in(dir, "stderr");
	pid_t pid = fork();
	if (pid == 0) {
		setenv("TJX_TEST_FAULT", "hang:s004", 1);
		int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execl(tu_bin(), tu_bin(), "run", "-j2", "--lenient", "-o", out, in, (char *)NULL);
		_exit(127);
	}
	/* wait until the four others are done, the fifth hangs */
	for (int i = 0; i < 10000 && count_files(out, ".xml", 0) < 4; i++) {
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	struct timespec ts = {0, 200 * 1000 * 1000};
	nanosleep(&ts, NULL);
	kill(pid, SIGINT);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), 130);
	char *err = tu_read(errp, NULL);
	cr_assert_not_null(strstr(err, "interrupted: 4 of 5 documents done"), "%s", err);
	free(err);
	struct batch_manifest m;
	read_manifest(out, "manifest.tsv", &m);
	cr_assert_eq(m.n, 4, "the hung document has no row");
	cr_assert_null(row_for(&m, "s004-000.txt"));
	batch_manifest_release(&m);
	/* the next run does the rest */
	struct tu_result r = run_seeds(in, out, "");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "1 ok, 0 partial, 0 failed, 4 skipped"), "%s", r.err);
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(in);
	free(out);
	free(errp);
	free(dir);
}

Test(batch, progress_line_only_on_a_terminal_summary_always)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 2);
	/* script(1) gives the run a terminal */
	struct tu_result r = tu_run(NULL, "script -qec '%s run -j2 --lenient -o %s/a %s' /dev/null",
	                            tu_bin(), dir, in);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "10/10 documents, 10 pages,"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "pages/s, ETA"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "0 failed"));
	cr_assert_not_null(strstr(r.out, "10 documents: 10 ok"));
	tu_result_free(&r);
	r = tu_run(NULL, "script -qec '%s run -q -j2 --lenient -o %s/b %s' /dev/null", tu_bin(),
	           dir, in);
	cr_assert_null(strstr(r.out, "ETA"), "--quiet: %s", r.out);
	cr_assert_not_null(strstr(r.out, "10 documents: 10 ok"));
	tu_result_free(&r);
	r = tu_run(NULL, "%s run -j2 --lenient -o %s/c %s", tu_bin(), dir, in);
	cr_assert_null(strstr(r.err, "ETA"), "not a terminal: %s", r.err);
	cr_assert_eq(tu_count_lines(r.err), 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "10 documents: 10 ok"));
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(in);
	free(dir);
}

Test(batch, a_second_run_on_the_same_output_is_refused, .timeout = 120)
{
	char *dir = tu_tmpdir();
	char *in = seed_folder(dir, 1);
	char *out = path_in(dir, "out");
	pid_t pid = fork();
	if (pid == 0) {
		setenv("TJX_TEST_FAULT", "hang:s000", 1);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		execl(tu_bin(), tu_bin(), "run", "--lenient", "-o", out, in, (char *)NULL);
		_exit(127);
	}
	char *lock = path_in(out, ".manifest.tsv.lock");
	struct stat st;
	for (int i = 0; i < 5000 && stat(lock, &st) < 0; i++) {
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	struct tu_result r = run_seeds(in, out, "");
	cr_assert_eq(r.status, 5, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "another tjx run is writing to this folder"));
	tu_result_free(&r);
	kill(pid, SIGTERM);
	int s;
	waitpid(pid, &s, 0);
	cr_assert_eq(WEXITSTATUS(s), 130);
	tu_sh("rm -rf %s", dir);
	free(lock);
	free(in);
	free(out);
	free(dir);
}
