# Write a small classic pcap to standard output (run with LC_ALL=C so bytes are
# written as is). It holds what no real capture in the test set does:
# - TCP segments with every SYN/ACK mix and ECE, CWR, FIN, PSH or URG set
#   around them, an ICMP error that quotes a whole SYN, and an IPv6 SYN;
# - DNS responses that do or do not match dns_reflection (an RRSIG record in
#   each section, ANY and A questions, a query, a reply from port 5353, an
#   ICMP error quoting a reply, an IPv6 reply);
# - DNS queries whose names need escapes in presentation form, and the root.
# Checksums are not computed: IP and TCP ones are 0, UDP ones a fixed non-zero
# value because 0 is invalid over IPv6. Neither tshark nor sonata checks them.
function byte(n) {
	printf "%c", n
}

function le32(n,   i) {
	for (i = 0; i < 4; i++) {
		byte(n % 256)
		n = int(n / 256)
	}
}

function hex(s,   i, digits) {
	digits = "0123456789abcdef"
	gsub(/ /, "", s)
	for (i = 1; i < length(s); i += 2)
		byte(16 * (index(digits, substr(s, i, 1)) - 1) + \
		     index(digits, substr(s, i + 1, 1)) - 1)
}

function nbytes(h) {
	gsub(/ /, "", h)
	return length(h) / 2
}

function frame(sec, usec, bytes) {
	le32(sec)
	le32(usec)
	le32(nbytes(bytes))
	le32(nbytes(bytes))
	hex(bytes)
}

# An IPv4 address in hex from its last octet in 10.0.0.0/24.
function net10(n) {
	return sprintf("0a0000%02x", n)
}

# An IPv6 address in hex from its last 16 bits in 2001:db8::/112.
function net6(n) {
	return sprintf("20010db800000000000000000000%04x", n)
}

# IPv4 header of protocol proto from 10.0.0.S to 10.0.0.D around payload.
function ip4(s, d, proto, payload) {
	return sprintf("4500%04x00000000 40%02x0000", 20 + nbytes(payload), proto) \
	       net10(s) net10(d) payload
}

function ip6(s, d, proto, payload) {
	return sprintf("60000000%04x%02x40", nbytes(payload), proto) net6(s) net6(d) payload
}

function tcp(sport, dport, flags) {
	return sprintf("%04x%04x 00000001 00000000 50%02x 7210 0000 0000", sport, dport, flags)
}

function udp(sport, dport, payload) {
	return sprintf("%04x%04x%04x1111", sport, dport, 8 + nbytes(payload)) payload
}

function tcp4(s, sport, d, dport, flags) {
	return ETH4 ip4(s, d, 6, tcp(sport, dport, flags))
}

function udp4(s, sport, d, dport, payload) {
	return ETH4 ip4(s, d, 17, udp(sport, dport, payload))
}

# ICMP port unreachable from 10.0.0.S to 10.0.0.D quoting the IPv4 packet q.
function unreachable4(s, d, q) {
	return ETH4 ip4(s, d, 1, "0303 0000 00000000" q)
}

# A DNS message: flags, question name (wire hex) and type, then the records
# of the answer, authority and additional sections, each of the given type
# and owned by the question name.
function dns(flags, qname, qtype, an, ns, ar,   m, i, t) {
	m = sprintf("1234%04x0001%04x%04x%04x", flags, an, ns, ar) qname \
	    sprintf("%04x0001", qtype)
	for (i = 0; i < an + ns + ar; i++) {
		t = i < an ? ANTYPE : (i < an + ns ? NSTYPE : ARTYPE)
		if (t == 1)
			m = m sprintf("c00c%04x000100000e100004", t) "c0000201"
		else
			m = m sprintf("c00c%04x000100000e100017", t) RRSIG_DATA
	}
	return m
}

function response(qtype, an, an_type, ns, ns_type, ar, ar_type) {
	ANTYPE = an_type
	NSTYPE = ns_type
	ARTYPE = ar_type
	return dns(33152, QNAME, qtype, an, ns, ar)
}

BEGIN {
	ETH4 = "020000000002 020000000001 0800"
	ETH6 = "020000000002 020000000001 86dd"
	T0 = 1500000000
	QNAME = "0161076578616d706c6500"	# a.example
	# RRSIG covering A: algorithm 8, 2 labels, TTL, expiry, inception,
	# key tag, root signer and a 4-byte signature.
	RRSIG_DATA = "0001 08 02 00000e10 00000000 00000000 1234 00 01020304"
	hex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000")

	frame(T0, 100000, tcp4(1, 40001, 9, 80, 2))        # SYN
	frame(T0, 200000, tcp4(2, 40002, 9, 80, 194))      # SYN ECE CWR
	frame(T0, 300000, tcp4(9, 80, 1, 40001, 82))       # SYN ACK ECE
	frame(T0, 400000, tcp4(3, 40003, 9, 81, 18))       # SYN ACK
	frame(T0, 500000, tcp4(4, 40004, 9, 82, 43))       # SYN FIN PSH URG
	frame(T0, 600000, tcp4(1, 40001, 9, 80, 16))       # ACK
	# From 10.0.0.5, quoting a SYN 10.0.0.9 -> 10.0.0.7.
	frame(T0, 700000, unreachable4(5, 9, ip4(9, 7, 6, tcp(1234, 80, 2))))
	frame(T0, 800000, ETH6 ip6(1, 9, 6, tcp(40000, 80, 66)))  # SYN ECE
	frame(T0 + 1, 100000, tcp4(1, 40001, 9, 80, 20))   # RST ACK
	frame(T0 + 1, 200000, tcp4(2, 40002, 9, 80, 130))  # SYN CWR
	frame(T0 + 1, 300000, tcp4(9, 80, 2, 40002, 17))   # FIN ACK
	frame(T0 + 1, 400000, tcp4(3, 40003, 9, 81, 16))   # ACK

	# Responses to 10.0.0.9 (type 1 A, 46 RRSIG, 255 ANY). Counted by
	# dns_reflection: RRSIG in the additional section, ANY question, RRSIG
	# in the authority section, IPv6 RRSIG answer.
	frame(T0 + 2, 100000, udp4(53, 53, 9, 33333, response(1, 1, 1, 0, 0, 1, 46)))
	frame(T0 + 2, 200000, udp4(54, 53, 9, 33333, response(255, 1, 1, 0, 0, 0, 0)))
	frame(T0 + 2, 300000, udp4(59, 53, 9, 33333, response(1, 0, 0, 1, 46, 0, 0)))
	frame(T0 + 2, 400000, ETH6 ip6(53, 9, 17, udp(53, 33333, response(46, 1, 46, 0, 0, 0, 0))))
	# Not counted: an A answer only, a query for RRSIG sent from port 53,
	# replies from ports 5353 and 33333, an ICMP error quoting a reply with RRSIG.
	frame(T0 + 2, 500000, udp4(55, 53, 9, 33333, response(1, 1, 1, 0, 0, 0, 0)))
	frame(T0 + 2, 600000, udp4(56, 53, 9, 53, dns(256, QNAME, 46, 0, 0, 0)))
	frame(T0 + 2, 700000, udp4(57, 5353, 9, 33333, response(46, 1, 46, 0, 0, 0, 0)))
	frame(T0 + 2, 750000, udp4(60, 33333, 9, 53, response(46, 1, 46, 0, 0, 0, 0)))
	frame(T0 + 2, 800000, unreachable4(58, 9, ip4(9, 7, 17,
	      udp(53, 33333, response(46, 1, 46, 0, 0, 0, 0)))))

	# Queries whose names are 24 characters in presentation form
	# (a\.b\\c\032d\255.example, 16 bytes as text), 18 (upper case
	# ABCDEFGHIJ.example) and 1 (the root, ".").
	frame(T0 + 3, 100000, udp4(1, 33333, 53, 53,
	      dns(256, "08612e625c632064ff076578616d706c6500", 1, 0, 0, 0)))
	frame(T0 + 3, 200000, udp4(2, 33333, 53, 53,
	      dns(256, "0a4142434445464748494a076578616d706c6500", 1, 0, 0, 0)))
	frame(T0 + 3, 300000, udp4(3, 33333, 53, 53, dns(256, "00", 2, 0, 0, 0)))
}
