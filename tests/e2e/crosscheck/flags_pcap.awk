# Write a small classic pcap to standard output (run with LC_ALL=C so bytes are
# written as is): TCP segments with every SYN/ACK mix and the ECE, CWR, FIN,
# PSH and URG bits set around them, an ICMP error that quotes a whole SYN, and
# an IPv6 SYN with ECE. No real capture in the test set holds a SYN with ECE
# or CWR. Checksums are left 0; neither tshark nor sonata checks them.
function byte(n) {
	printf "%c", n
}

function le32(n,   i) {
	for (i = 0; i < 4; i++) {
		byte(n % 256)
		n = int(n / 256)
	}
}

function hex(s,   i) {
	gsub(/ /, "", s)
	for (i = 1; i < length(s); i += 2)
		byte(16 * index("0123456789abcdef", substr(s, i, 1)) - 16 + \
		     index("0123456789abcdef", substr(s, i + 1, 1)) - 1)
}

function frame(sec, usec, bytes) {
	gsub(/ /, "", bytes)
	le32(sec)
	le32(usec)
	le32(length(bytes) / 2)
	le32(length(bytes) / 2)
	hex(bytes)
}

# An IPv4 address in hex from its last octet in 10.0.0.0/24.
function net10(n) {
	return sprintf("0a0000%02x", n)
}

# Ethernet + IPv4 + 20-byte TCP header from 10.0.0.S:SPORT to 10.0.0.D:DPORT.
function tcp4(s, sport, d, dport, flags) {
	return ETH4 ip4tcp(s, sport, d, dport, flags)
}

function ip4tcp(s, sport, d, dport, flags) {
	return "4500 0028 0000 4000 4006 0000" net10(s) net10(d) \
	       sprintf("%04x%04x", sport, dport) "00000001 00000000" \
	       sprintf("50%02x", flags) "7210 0000 0000"
}

function tcp6(s, d, flags) {
	return ETH6 "6000 0000 0014 0640 20010db800000000000000000000" s \
	       "20010db800000000000000000000" d \
	       "9c4000500000000100000000" sprintf("50%02x", flags) "7210 0000 0000"
}

BEGIN {
	ETH4 = "020000000002 020000000001 0800"
	ETH6 = "020000000002 020000000001 86dd"
	T0 = 1500000000
	hex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000")

	frame(T0, 100000, tcp4(1, 40001, 9, 80, 2))        # SYN
	frame(T0, 200000, tcp4(2, 40002, 9, 80, 194))      # SYN ECE CWR
	frame(T0, 300000, tcp4(9, 80, 1, 40001, 82))       # SYN ACK ECE
	frame(T0, 400000, tcp4(3, 40003, 9, 81, 18))       # SYN ACK
	frame(T0, 500000, tcp4(4, 40004, 9, 82, 43))       # SYN FIN PSH URG
	frame(T0, 600000, tcp4(1, 40001, 9, 80, 16))       # ACK
	# Port unreachable from 10.0.0.5 to 10.0.0.9 quoting a SYN 10.0.0.9 -> 10.0.0.7.
	frame(T0, 700000, ETH4 "4500 0044 0000 0000 4001 0000" net10(5) net10(9) \
	      "0303 0000 00000000" ip4tcp(9, 1234, 7, 80, 2))
	frame(T0, 800000, tcp6("0001", "0009", 66))        # SYN ECE
	frame(T0 + 1, 100000, tcp4(1, 40001, 9, 80, 20))   # RST ACK
	frame(T0 + 1, 200000, tcp4(2, 40002, 9, 80, 130))  # SYN CWR
	frame(T0 + 1, 300000, tcp4(9, 80, 2, 40002, 17))   # FIN ACK
	frame(T0 + 1, 400000, tcp4(3, 40003, 9, 81, 16))   # ACK
}
