/* sonata run: write result rows as JSON lines or as text tables. */
#include <errno.h>
#include <stdlib.h>

#include "cli/run.h"
#include "sonata/log.h"
#include "sonata/output.h"

struct run_output {
	enum run_format format;
	FILE *stream;
	struct sn_text_table *table;
	uint64_t window_end_ns; /* text: window of the rows collected so far */
	int write_failed;
};

int run_output_open(struct run_output **out, enum run_format format, FILE *stream)
{
	struct run_output *o = calloc(1, sizeof(*o));
	int rc;

	if (!o)
		return -ENOMEM;
	o->format = format;
	o->stream = stream;
	if (format == RUN_FORMAT_TEXT) {
		rc = sn_text_new(&o->table);
		if (rc) {
			free(o);
			return rc;
		}
	}
	*out = o;
	return 0;
}

static void report_write_error(struct run_output *o)
{
	if (!o->write_failed)
		sn_err("cannot write results to standard output");
	o->write_failed = 1;
}

/* Text rows are printed one table per window end, so a live run shows each
 * window as soon as it closes. */
static void text_row(struct run_output *o, const struct sn_row *row)
{
	if (o->window_end_ns && row->window_end_ns != o->window_end_ns) {
		if (sn_text_print(o->table, o->stream))
			report_write_error(o);
	}
	o->window_end_ns = row->window_end_ns;
	if (sn_text_add(o->table, row))
		report_write_error(o);
}

void run_output_row(const struct sn_row *row, void *arg)
{
	struct run_output *o = arg;

	if (o->format == RUN_FORMAT_TEXT) {
		text_row(o, row);
		return;
	}
	if (sn_json_write_row(o->stream, row))
		report_write_error(o);
	/* Rows are few (one per key over the threshold per window): flush so a
	 * consumer of a pipe or a live run sees each window at once. */
	fflush(o->stream);
}

int run_output_close(struct run_output *o)
{
	int failed;

	if (o->table) {
		if (sn_text_print(o->table, o->stream))
			report_write_error(o);
		sn_text_free(o->table);
	}
	if (fflush(o->stream) || ferror(o->stream))
		report_write_error(o);
	failed = o->write_failed;
	free(o);
	return failed ? -EIO : 0;
}
