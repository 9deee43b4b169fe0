# Count distinct values per window and key, as ddos, superspreader, port_scan
# and dns_reflection do. Fields after the time are given by COLS, a list of
# "a" (an IPv4 field then an IPv6 field, merged into one address) and "p" (a
# plain field such as a port). The first NKEY columns form the key (named by
# KEYS, space-separated); the rest are the values counted once each.
# Variables: COLS, NKEY, KEYS, VALUE, W, T.
BEGIN {
	ncols = split(COLS, kind, " ")
	split(KEYS, keyname, " ")
}

{
	f = 3
	key = ""
	rest = ""
	for (i = 1; i <= ncols; i++) {
		if (kind[i] == "a") {
			v = addr($f, $(f + 1))
			f += 2
		} else {
			v = $f
			f++
		}
		if (v == "")
			next
		if (i <= NKEY)
			key = key (i > 1 ? " " : "") keyname[i] "=" v
		else
			rest = rest SUBSEP v
	}
	ws = window_start($2)
	if (!((ws, key, rest) in seen)) {
		seen[ws, key, rest] = 1
		n[ws SUBSEP key]++
	}
}

END {
	for (k in n) {
		if (n[k] < T + 0)
			continue
		split(k, p, SUBSEP)
		emit(p[1], p[2], VALUE "=" n[k])
	}
}
