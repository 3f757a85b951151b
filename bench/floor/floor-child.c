// floor-child: the floor of the benchmarks, a child of a Node parent that
// speaks just enough of the JSON IPC protocol to do the benchmarks' work with
// blocking system calls and no runtime, so that a Go child can be compared
// with the best any child could do under the same parent.
//
//   floor-child echo         send every line back unchanged
//   floor-child sink         count lines; answer {"count":N} to a line that
//                            starts with {"end" and count from zero again
//   floor-child serve TEXT   take every descriptor a NODE_HANDLE message
//                            brings, acknowledge it (NODE_HANDLE_ACK), write
//                            TEXT to the socket and close it; send plain
//                            messages back
//
// The channel is the descriptor in NODE_CHANNEL_FD (blocking read and
// recvmsg, no spinning). Internal messages other than NODE_HANDLE are
// ignored. It exits 0 at EOF. JSON serialization only. Built by bench/run.sh
// and bench/handoff/run.sh with the system C compiler.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXFDS 1024

static int ch;

static void writeall(int fd, const char *b, size_t n) {
	while (n > 0) {
		ssize_t k = write(fd, b, n);
		if (k < 0) exit(1);
		b += k;
		n -= (size_t)k;
	}
}

int main(int argc, char **argv) {
	const char *env = getenv("NODE_CHANNEL_FD");
	if (argc < 2 || !env) {
		fprintf(stderr, "usage: floor-child echo|sink|serve TEXT (forked by Node)\n");
		return 2;
	}
	ch = atoi(env);
	// libuv hands the child a non-blocking descriptor: block instead.
	fcntl(ch, F_SETFL, fcntl(ch, F_GETFL) & ~O_NONBLOCK);
	const char *mode = argv[1];
	int echo = !strcmp(mode, "echo"), sink = !strcmp(mode, "sink"), serve = !strcmp(mode, "serve");
	if (!echo && !sink && !serve) {
		fprintf(stderr, "floor-child: unknown mode %s\n", mode);
		return 2;
	}
	const char *text = argc > 2 ? argv[2] : "ok";
	size_t textlen = strlen(text);
	size_t cap = 1 << 16, have = 0;
	char *buf = malloc(cap);
	static int fds[MAXFDS];
	int nfd = 0;
	long count = 0;
	char cbuf[CMSG_SPACE(sizeof(int) * 16)];
	for (;;) {
		if (cap - have < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		struct iovec iov = {buf + have, cap - have};
		struct msghdr m = {0};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		if (serve) {
			m.msg_control = cbuf;
			m.msg_controllen = sizeof cbuf;
		}
		ssize_t n = recvmsg(ch, &m, MSG_CMSG_CLOEXEC);
		if (n <= 0) return 0;
		if (serve) {
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
				if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
				int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
				for (int i = 0; i < k; i++) {
					int fd;
					memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
					if (nfd < MAXFDS) fds[nfd++] = fd; else close(fd);
				}
			}
		}
		have += (size_t)n;
		size_t start = 0;
		char *nl;
		while ((nl = memchr(buf + start, '\n', have - start))) {
			char *line = buf + start;
			size_t len = (size_t)(nl - line) + 1;
			if (echo) {
				writeall(ch, line, len);
			} else if (sink) {
				if (len >= 6 && !memcmp(line, "{\"end\"", 6)) {
					char o[64];
					int k = snprintf(o, sizeof o, "{\"count\":%ld}\n", count);
					writeall(ch, o, (size_t)k);
					count = 0;
				} else {
					count++;
				}
			} else if (memmem(line, len, "\"cmd\":\"NODE_HANDLE\"", 19)) {
				static const char ack[] = "{\"cmd\":\"NODE_HANDLE_ACK\"}\n";
				writeall(ch, ack, sizeof ack - 1);
				if (nfd > 0) {
					int fd = fds[0];
					memmove(fds, fds + 1, (size_t)(--nfd) * sizeof(int));
					ssize_t w = write(fd, text, textlen);
					(void)w;
					close(fd);
				}
			} else if (!memmem(line, len, "\"cmd\":\"NODE_", 12)) {
				writeall(ch, line, len);
			}
			start += len;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
	}
}
