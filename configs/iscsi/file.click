// An iSCSI target serving a file: page-cache hits and small plain writes on the packet thread, the
// rest (FUA, flushes, misses) on worker threads so the packet thread never waits for the disk;
// FUA and SYNCHRONIZE CACHE reach stable storage, UNMAP punches holes.
//
//   patchbay run configs/iscsi/file.click [FILE=patchbay-disk.img] [SIZE=1G] [PORT=3260]
//   iscsi-readcapacity16 iscsi://127.0.0.1:3260/iqn.2026-01.org.patchbay:file/0
//
// The file is created (sparse, SIZE bytes) when it does not exist; an existing file keeps its size
// and contents.
define($PORT 3260, $ADDR 127.0.0.1, $FILE patchbay-disk.img, $SIZE 1G);

tcp :: TCPServer(PORT $PORT, ADDR $ADDR);
framer :: ISCSIFramer;
tgt :: ISCSITarget(iqn.2026-01.org.patchbay:file, LUN0 "file:$FILE size=$SIZE thin");

tcp -> [0]framer[0] -> tgt -> [1]framer[1] -> tcp;
