# Helpers shared by the cross-check scripts. Input lines are tshark field exports
# separated by tabs: frame.number, frame.time_epoch, then the fields each script
# names. Variables set with -v: W (window length in seconds: an integer, or a
# fraction 1/k such as 0.5) and T (the query threshold).

BEGIN {
	FS = "\t"
	OFS = "\t"
	if (!(W >= 1 ? W == int(W) : W > 0 && 1 / W == int(1 / W + 0.5))) {
		print "crosscheck: window " W " s is neither a whole number nor 1/k s" > "/dev/stderr"
		exit 2
	}
}

# Return the start of the window a packet at time t counts in, where t is
# tshark's "SECONDS.FRACTION" text, read in capture order. Like the engine, a
# packet older than the newest window seen so far (a timestamp that went
# backwards) counts in that newest window, since a streaming engine has
# already reported the older one. The newest window is tracked over the
# exported packets only, which is exact when they include the packets that
# open windows (true of the cases in crosscheck.sh).
function window_start(t,   ws) {
	ws = aligned_window_start(t)
	if (have_open && ws + 0 < open_start + 0)
		return open_start
	open_start = ws
	have_open = 1
	return ws
}

# Return the start of the W-second window that holds time t. Only the text is
# used so that no epoch time passes through a double with too few digits.
function aligned_window_start(t,   dot, sec, frac, per_second, slot, ns) {
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
