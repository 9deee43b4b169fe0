# Count packets per window and address, as new_tcp_conns and dns_tunneling do.
# Fields after the time: the IPv4 and IPv6 address to key on, then an optional
# text whose length must reach MINLEN (when MINLEN is set).
# Variables: KEY and VALUE (column names in sonata's output), W, T, MINLEN.
{
	if (MINLEN != "" && length($5) < MINLEN + 0)
		next
	a = addr($3, $4)
	if (a == "")
		next
	n[window_start($2) SUBSEP a]++
}

END {
	for (k in n) {
		if (n[k] < T + 0)
			continue
		split(k, p, SUBSEP)
		emit(p[1], KEY "=" p[2], VALUE "=" n[k])
	}
}
