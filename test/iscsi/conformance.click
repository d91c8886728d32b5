// The set-up libiscsi's conformance suite (iscsi-test-cu) needs: one target on two portals (the
// multipath tests log in through both), a thin-provisioned removable LU for the suite itself,
// a write-protected LU for the ReadOnly tests and a LU with 512-byte physical blocks for the one
// test whose expectation only holds then (GetLBAStatus.UnmapSingle, see docs/iscsi.md).
// A second target on its own portal has a LU whose SANITIZE takes 8 s (sanitize-rate): the one
// test that resets the target while a SANITIZE runs (Sanitize.Reset) runs there, beside the main
// run, since its target resets would disturb the main run's sessions.
define($PORT 3260, $PORT2 3261, $PORT3 3262);

tcp :: TCPServer(PORT "$PORT $PORT2");
framer :: ISCSIFramer;
tgt :: ISCSITarget(iqn.2026-01.org.patchbay:conformance,
                   LUN0 "memory:128M thin removable",
                   LUN1 "memory:16M read-only thin",
                   LUN2 "memory:16M thin physical-block-size=512",
                   PORTAL "127.0.0.1:$PORT 127.0.0.1:$PORT2");

tcp -> [0]framer[0] -> tgt -> [1]framer[1] -> tcp;

tcp3 :: TCPServer(PORT $PORT3);
framer3 :: ISCSIFramer;
slow :: ISCSITarget(iqn.2026-01.org.patchbay:sanitize, LUN0 "memory:16M sanitize-rate=2M",
                    PORTAL "127.0.0.1:$PORT3");
tcp3 -> [0]framer3[0] -> slow -> [1]framer3[1] -> tcp3;
