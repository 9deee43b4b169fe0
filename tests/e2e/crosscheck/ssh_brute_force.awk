# ssh_brute_force: per window and destination, SYNs (SYN set, ACK clear) to TCP
# port 22 and the distinct sources that sent them; reported when the SYNs
# reach T. Fields after the time: ip.dst, ipv6.dst, ip.src, ipv6.src (lines
# come only from such SYNs). Variables: W, T.
{
	k = window_start($2) SUBSEP addr($3, $4)
	attempts[k]++
	src = addr($5, $6)
	if (!((k, src) in seen)) {
		seen[k, src] = 1
		sources[k]++
	}
}

END {
	for (k in attempts) {
		if (attempts[k] < T + 0)
			continue
		split(k, p, SUBSEP)
		emit(p[1], "ip.dst=" p[2], "attempts=" attempts[k] " sources=" sources[k])
	}
}
