# slowloris: per window and destination, the distinct (source, source port)
# pairs that sent TCP payload, and the sum of their payload lengths; reported
# when the pairs reach T and the integer payload bytes per pair stay at most
# MAXB. Fields after the time: ip.src, ipv6.src, ip.dst, ipv6.dst,
# tcp.srcport, tcp.len (lines come only from segments with payload).
# Variables: W, T, MAXB.
{
	ws = window_start($2)
	src = addr($3, $4)
	dst = addr($5, $6)
	k = ws SUBSEP dst
	bytes[k] += $8
	if (!((k, src, $7) in seen)) {
		seen[k, src, $7] = 1
		conns[k]++
	}
}

END {
	for (k in conns) {
		per_conn = int(bytes[k] / conns[k])
		if (conns[k] < T + 0 || per_conn > MAXB + 0)
			continue
		split(k, p, SUBSEP)
		emit(p[1], "ip.dst=" p[2],
		     "conns=" conns[k] " bytes=" bytes[k] " bytes_per_conn=" per_conn)
	}
}
