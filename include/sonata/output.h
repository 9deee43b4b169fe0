/* Result writers: one JSON object per line, or aligned text tables. */
#ifndef SONATA_OUTPUT_H
#define SONATA_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "sonata/engine.h"

/* Write row as one JSON line:
 * {"query": NAME, "window_start": S, "window_end": S, "key": {...}, "values": {...}}
 * with "incomplete": true added when the key limit cut the window short.
 * Returns 0 or -EIO when the stream reports an error. */
int sn_json_write_row(FILE *f, const struct sn_row *row);

/* Format nanoseconds since the epoch as exact decimal seconds: "1617600000",
 * "1617600000.5". Returns the length written (truncated to size - 1). */
int sn_format_seconds(uint64_t ns, char *buf, size_t size);

/* Text tables: rows are collected, then printed per query with each column
 * as wide as its widest cell. */
struct sn_text_table;

int sn_text_new(struct sn_text_table **out);
/* Copy the row's cells into the table. Returns 0 or -ENOMEM. */
int sn_text_add(struct sn_text_table *t, const struct sn_row *row);
/* Print the collected rows, one table per query in order of first row, then
 * forget them. Returns 0 or -EIO. */
int sn_text_print(struct sn_text_table *t, FILE *f);
void sn_text_free(struct sn_text_table *t);

#endif
