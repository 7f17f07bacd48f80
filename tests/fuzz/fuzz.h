/* fuzz.h - shared set-up of the libFuzzer targets (header-only).
 *
 * The targets load the real rules (rules/, or $TJX_RULES) once, as a worker
 * does, and feed each input to one stage.  An input the stage rejects with an
 * error is fine; a crash, a sanitizer report, a leak, a hang or a broken
 * invariant (abort) is a finding.
 */
#ifndef TJX_FUZZ_H
#define TJX_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "error.h"

static inline const char *fz_rules(void)
{
	const char *r = getenv("TJX_RULES");
	return r && *r ? r : "rules";
}

/* Stop the fuzzer when the set-up itself fails: nothing can be tested. */
static inline void fz_need(int rc, const struct ex_error *err, const char *what)
{
	if (rc < 0) {
		char buf[1200];
		ex_format(err, buf, sizeof(buf));
		fprintf(stderr, "fuzz: cannot load %s: %s\n", what, buf);
		exit(2);
	}
}

#endif
