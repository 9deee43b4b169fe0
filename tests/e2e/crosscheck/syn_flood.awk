# syn_flood: per window and host, SYNs received (SYN set, ACK clear) plus
# SYN-ACKs sent minus ACKs received (ACK set, SYN clear), with the subtraction
# stopping at 0. Only hosts that received a SYN are reported; a host that sent
# no SYN-ACK or received no ACK counts 0 there.
# Fields after the time: ip.src, ipv6.src, ip.dst, ipv6.dst, tcp.flags.syn,
# tcp.flags.ack. Variables: W, T.
{
	ws = window_start($2)
	src = addr($3, $4)
	dst = addr($5, $6)
	if ($7 == 1 && $8 == 0)
		syns[ws SUBSEP dst]++
	else if ($7 == 1 && $8 == 1)
		synacks[ws SUBSEP src]++
	else if ($7 == 0 && $8 == 1)
		acks[ws SUBSEP dst]++
}

END {
	for (k in syns) {
		sa = (k in synacks) ? synacks[k] : 0
		ack = (k in acks) ? acks[k] : 0
		half = syns[k] + sa
		half = half > ack ? half - ack : 0
		if (half < T + 0)
			continue
		split(k, p, SUBSEP)
		emit(p[1], "host=" p[2],
		     "syns=" syns[k] " synacks=" sa " acks=" ack " half_open=" half)
	}
}
