/* quiet.c - see quiet.h */
#include "quiet.h"

#include <string.h>
#include <unistd.h>

void quiet_begin(struct quiet *q)
{
	q->saved = -1;
	q->tmp = tmpfile();
	if (!q->tmp)
		return;
	fflush(stderr);
	q->saved = dup(2);
	if (q->saved >= 0 && dup2(fileno(q->tmp), 2) < 0) {
		close(q->saved);
		q->saved = -1;
	}
}

void quiet_end(struct quiet *q, char *msg, size_t size)
{
	if (msg && size)
		msg[0] = '\0';
	if (q->saved >= 0) {
		fflush(stderr);
		dup2(q->saved, 2);
		close(q->saved);
		q->saved = -1;
	}
	if (!q->tmp)
		return;
	if (msg && size) {
		char line[512];
		rewind(q->tmp);
		while (fgets(line, sizeof(line), q->tmp)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0]) {
				snprintf(msg, size, "%s", line);
				break;
			}
		}
	}
	fclose(q->tmp);
	q->tmp = NULL;
}
