// An iSCSI target serving a RAM disk.
//
//   patchbay run configs/iscsi/memory.click [PORT=3260] [SIZE=128M]
//   iscsi-ls iscsi://127.0.0.1:3260
//   iscsi-inq iscsi://127.0.0.1:3260/iqn.2026-01.org.patchbay:memory/0
//
// Bytes from TCP are cut into PDUs by the framer; the target answers with PDUs, which the framer
// encodes (digests, padding) on their way back to the same TCP connection.
define($PORT 3260, $ADDR 127.0.0.1, $SIZE 128M);

tcp :: TCPServer(PORT $PORT, ADDR $ADDR);
framer :: ISCSIFramer;
tgt :: ISCSITarget(iqn.2026-01.org.patchbay:memory, LUN0 memory:$SIZE);

tcp -> [0]framer[0] -> tgt -> [1]framer[1] -> tcp;
