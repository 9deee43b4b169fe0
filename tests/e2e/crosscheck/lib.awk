# Helpers shared by the cross-check scripts. Input lines are tshark field exports
# separated by tabs: frame.number, frame.time_epoch, then the fields each script
# names. Variables set with -v: W (window length in seconds: an integer, or a
# fraction 1/k such as 0.5) and T (the query threshold).

BEGIN {
	FS = "\t"
	OFS = "\t"
}

# Return the start of the W-second window that holds time t, where t is
# tshark's "SECONDS.FRACTION" text. Only the text is used so that no epoch time
# passes through a double with too few digits.
function window_start(t,   dot, sec, frac, per_second, slot, ns) {
	dot = index(t, ".")
	sec = dot ? substr(t, 1, dot - 1) : t
	frac = dot ? substr(t, dot + 1) : "0"
	sec += 0
	if (W >= 1)
		return sec - sec % W
	per_second = int(1 / W + 0.5)
	slot = int(("0." frac) * per_second)
	ns = slot * int(1000000000 / per_second)
	if (ns == 0)
		return sec
	ns = sprintf("%09d", ns)
	sub(/0+$/, "", ns)
	return sec "." ns
}

# Return the IP address of a packet from its IPv4 and IPv6 fields, one of
# which is empty.
function addr(v4, v6) {
	return v4 != "" ? v4 : v6
}

# Print one canonical row: window start, "name=value" keys, "name=value" values.
function emit(ws, keys, values) {
	print ws, keys, values
}
