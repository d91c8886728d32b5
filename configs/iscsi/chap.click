// An iSCSI target that only lets initiators in with CHAP (MD5), and proves itself to those that
// ask (mutual CHAP). Discovery sessions need CHAP too.
//
//   patchbay run configs/iscsi/chap.click [USER=…] [SECRET=…] [TARGET_USER=…] [TARGET_SECRET=…]
//   iscsi-inq iscsi://initiator%initiator-secret@127.0.0.1:3260/iqn.2026-01.org.patchbay:chap/0
//   mutual: LIBISCSI_CHAP_TARGET_USERNAME=target LIBISCSI_CHAP_TARGET_PASSWORD=target-secret …
//
// Change the secrets (12 to 16 characters or more, RFC 7143 §12.1.3) before using it anywhere
// but here.
define($PORT 3260, $ADDR 127.0.0.1, $SIZE 64M,
       $USER initiator, $SECRET initiator-secret,
       $TARGET_USER target, $TARGET_SECRET target-secret);

tcp :: TCPServer(PORT $PORT, ADDR $ADDR);
framer :: ISCSIFramer;
tgt :: ISCSITarget(iqn.2026-01.org.patchbay:chap, LUN0 memory:$SIZE,
                   CHAP_USER $USER, CHAP_SECRET $SECRET,
                   MUTUAL_USER $TARGET_USER, MUTUAL_SECRET $TARGET_SECRET,
                   DISCOVERY_AUTH true);

tcp -> [0]framer[0] -> tgt -> [1]framer[1] -> tcp;
