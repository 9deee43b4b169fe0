# Compare two canonical row files (window start, keys, values; tab-separated):
# EXPECTED (from tshark) and ACTUAL (from sonata). Prints one line per
# difference, at most MAX of them, and exits 1 when any exists.
# Variables: LABEL (task and trace, printed on every line), MAX.
BEGIN {
	FS = "\t"
	bad = 0
}

FILENAME == ARGV[1] {
	want[$1 FS $2] = $3
	next
}

{
	if (($1 FS $2) in got)
		report("window " $1 " key " $2 ": sonata printed it twice")
	got[$1 FS $2] = $3
}

function report(msg) {
	bad++
	if (bad <= MAX + 0)
		print LABEL ": " msg
}

END {
	for (k in want) {
		split(k, p, FS)
		if (!(k in got))
			report("window " p[1] " key " p[2] ": expected " want[k] \
			       ", sonata has no row")
		else if (got[k] != want[k])
			report("window " p[1] " key " p[2] ": expected " want[k] \
			       ", sonata " got[k])
	}
	for (k in got) {
		if (k in want)
			continue
		split(k, p, FS)
		report("window " p[1] " key " p[2] ": unexpected sonata row " got[k])
	}
	if (bad > MAX + 0)
		print LABEL ": " (bad - MAX) " more differences"
	exit bad > 0
}
