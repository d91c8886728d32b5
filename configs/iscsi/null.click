// An iSCSI target whose disk drops writes and reads zeros: what is left is the protocol itself,
// so this measures the transport, the framer and the target alone.
//
//   patchbay run configs/iscsi/null.click [PORT=3260] [SIZE=1G]
//   iscsi-perf -m 32 -b 8 -r -t 10 iscsi://127.0.0.1:3260/iqn.2026-01.org.patchbay:null/0
define($PORT 3260, $ADDR 127.0.0.1, $SIZE 1G);

tcp :: TCPServer(PORT $PORT, ADDR $ADDR);
framer :: ISCSIFramer;
tgt :: ISCSITarget(iqn.2026-01.org.patchbay:null, LUN0 null:$SIZE);

tcp -> [0]framer[0] -> tgt -> [1]framer[1] -> tcp;
