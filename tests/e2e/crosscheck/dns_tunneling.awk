# dns_tunneling: per window and source, DNS queries whose first question name
# is at least MINLEN characters long in presentation form: labels joined by
# dots, no trailing dot, "." for the root, "\." and "\\" for a dot or a
# backslash inside a label, and "\DDD" for a space, a control byte or a byte
# above 0x7e. tshark's own text of the name replaces such bytes, so the length
# is computed here from the message bytes.
# Fields after the time: ip.src, ipv6.src, udp.payload, tcp.payload (hex, one
# of them empty; a DNS message over TCP starts after a 2-byte length).
# Variables: W, T, MINLEN.
BEGIN {
	HEXDIGITS = "0123456789abcdef"
}

# Return byte i (0-based) of the message in hex text h, or -1 past its end.
function byte_at(h, i,   c) {
	if (2 * i + 2 > length(h))
		return -1
	c = tolower(substr(h, 2 * i + 1, 2))
	return 16 * (index(HEXDIGITS, substr(c, 1, 1)) - 1) + index(HEXDIGITS, substr(c, 2, 1)) - 1
}

# Return the presentation length of the name at offset off of message h, or -1
# when the name is cut short or its compression pointers loop.
function name_length(h, off,   len, n, c, i, hops) {
	len = 0
	hops = 0
	for (;;) {
		n = byte_at(h, off)
		if (n < 0)
			return -1
		if (n >= 192) {
			if (++hops > 64 || (c = byte_at(h, off + 1)) < 0)
				return -1
			off = (n - 192) * 256 + c
			continue
		}
		if (n == 0)
			return len == 0 ? 1 : len
		if (len > 0)
			len++
		for (i = 1; i <= n; i++) {
			c = byte_at(h, off + i)
			if (c < 0)
				return -1
			if (c == 46 || c == 92)
				len += 2
			else if (c <= 32 || c > 126)
				len += 4
			else
				len++
		}
		off += n + 1
	}
}

{
	if ($5 != "")
		msg = $5
	else
		msg = substr($6, 5)
	# A question name starts after the 12-byte header.
	if (name_length(msg, 12) < MINLEN + 0)
		next
	a = addr($3, $4)
	n[window_start($2) SUBSEP a]++
}

END {
	for (k in n) {
		if (n[k] < T + 0)
			continue
		split(k, p, SUBSEP)
		emit(p[1], "ip.src=" p[2], "queries=" n[k])
	}
}
