/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `edgewatch replay`: captures through the same XDP program, capture time as the clock. */
#ifndef EDGEWATCH_REPLAY_H
#define EDGEWATCH_REPLAY_H

int cmd_replay(int argc, char **argv);

#endif /* EDGEWATCH_REPLAY_H */
