/* Sends N small UDP datagrams to ADDR:PORT, one every INTERVAL_MS
 * milliseconds: the traffic of the live capture test, without ping.
 * usage: udp_send ADDR PORT N INTERVAL_MS */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct timespec gap;
	long n, ms;
	int fd;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udp_send ADDR PORT N INTERVAL_MS\n");
		return 2;
	}
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	n = atol(argv[3]);
	ms = atol(argv[4]);
	gap.tv_sec = ms / 1000;
	gap.tv_nsec = ms % 1000 * 1000000;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udp_send: socket");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		if (sendto(fd, "sonata", 6, 0, (struct sockaddr *)&to, sizeof(to)) != 6) {
			perror("udp_send: sendto");
			return 1;
		}
		if (i + 1 < n)
			nanosleep(&gap, NULL);
	}
	close(fd);
	return 0;
}
