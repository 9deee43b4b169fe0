# incomplete_flows: per window and host, SYNs received (SYN set, ACK clear)
# minus segments with FIN set that the host sent, stopping at 0. Only hosts
# that received a SYN are reported; a host that sent no FIN counts 0 FINs.
# Fields after the time: ip.src, ipv6.src, ip.dst, ipv6.dst, tcp.flags.syn,
# tcp.flags.ack, tcp.flags.fin. Variables: W, T.
{
	ws = window_start($2)
	src = addr($3, $4)
	dst = addr($5, $6)
	if ($7 == 1 && $8 == 0)
		syns[ws SUBSEP dst]++
	if ($9 == 1)
		fins[ws SUBSEP src]++
}

END {
	for (k in syns) {
		fin = (k in fins) ? fins[k] : 0
		open = syns[k] > fin ? syns[k] - fin : 0
		if (open < T + 0)
			continue
		split(k, p, SUBSEP)
		emit(p[1], "host=" p[2], "syns=" syns[k] " fins=" fin " open=" open)
	}
}
