/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The SSH key exchange's first message (SSH_MSG_KEXINIT, RFC 4253 7.1) as the inventory
 * reads it: from one direction's stream window (offset 0: the identification string,
 * then the first binary packet, cleartext), the algorithm lists HASSH takes
 * (Salesforce's published method): "kex;encryption;mac;compression", the client's
 * client-to-server lists (HASSH) or the server's server-to-client ones (HASSHServer).
 * Pure code over hostile bytes: every length checked against what is held.
 */
#ifndef EDGEWATCH_INVENTORY_SSH_KEX_H
#define EDGEWATCH_INVENTORY_SSH_KEX_H

#include <stddef.h>
#include <stdint.h>

#define SSH_HASSH_LEN 2048

enum ssh_kex_status {
	SSH_KEX_DONE,
	SSH_KEX_MORE,		/* cut short so far */
	SSH_KEX_NOT_SSH,	/* no "SSH-" identification line where one must be */
	SSH_KEX_BAD_PACKET,	/* the binary packet's lengths out of RFC 4253 6 */
	SSH_KEX_NOT_KEXINIT,	/* the first packet is not a KEXINIT (SSHv1, or else) */
	SSH_KEX_BAD_KEXINIT,	/* its name-lists overrun it */
	SSH_KEX_TOO_LONG,	/* the lists are longer than SSH_HASSH_LEN: no HASSH */
	SSH_KEX_STATUS_COUNT,
};

/*
 * Parse a window sent by the server (from_server: HASSHServer's lists) or the client.
 * hassh: the "kex;enc;mac;comp" string (hassh_size bytes), "" unless SSH_KEX_DONE.
 */
enum ssh_kex_status ssh_kex_parse(const uint8_t *p, size_t len, int from_server, char *hassh,
				  size_t hassh_size);

/* "ok", "truncated", "not_ssh", "bad_packet", ... (the stats' names). */
const char *ssh_kex_status_name(enum ssh_kex_status s);

#endif /* EDGEWATCH_INVENTORY_SSH_KEX_H */
