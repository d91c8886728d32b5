#include "elements/iscsi/core/scsi.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <mutex>

#include "elements/iscsi/core/pdu.hpp"  // big-endian helpers

namespace pb::iscsi {

// ---- sense data --------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_sense(const Sense& s, bool descriptor_format) {
  std::vector<std::uint8_t> out;
  if (descriptor_format) {
    out.assign(8, 0);
    out[0] = 0x72;
    out[1] = s.key & 0x0F;
    out[2] = s.asc;
    out[3] = s.ascq;
    if (s.information) {
      const std::uint8_t d[12] = {0x00, 0x0A, 0x80, 0};
      out.insert(out.end(), d, d + 12);
      store_be64(&out[out.size() - 8], *s.information);
    }
    if (s.field) {
      std::uint8_t d[8] = {0x02, 0x06, 0, 0, 0, 0, 0, 0};
      d[4] = static_cast<std::uint8_t>(0x80 | (s.field_in_cdb ? 0x40 : 0) |
                                       (s.field_bit ? 0x08 | (*s.field_bit & 7) : 0));
      store_be16(&d[5], *s.field);
      out.insert(out.end(), d, d + 8);
    }
    out[7] = static_cast<std::uint8_t>(out.size() - 8);
    return out;
  }
  out.assign(18, 0);
  out[0] = 0x70;
  out[2] = s.key & 0x0F;
  if (s.information) {
    out[0] |= 0x80;  // VALID
    store_be32(&out[3], static_cast<std::uint32_t>(*s.information));
  }
  out[7] = 10;  // additional sense length
  out[12] = s.asc;
  out[13] = s.ascq;
  if (s.field) {
    out[15] = static_cast<std::uint8_t>(0x80 | (s.field_in_cdb ? 0x40 : 0) |
                                        (s.field_bit ? 0x08 | (*s.field_bit & 7) : 0));
    store_be16(&out[16], *s.field);
  }
  return out;
}

Sense sense_invalid_opcode() {
  return {sense_key::kIllegalRequest, 0x20, 0x00};
}
Sense sense_invalid_field_in_cdb(std::uint16_t byte, std::optional<std::uint8_t> bit) {
  Sense s{sense_key::kIllegalRequest, 0x24, 0x00};
  s.field = byte;
  s.field_bit = bit;
  return s;
}
Sense sense_invalid_field_in_parameter_list(std::uint16_t byte) {
  Sense s{sense_key::kIllegalRequest, 0x26, 0x00};
  s.field = byte;
  s.field_in_cdb = false;
  return s;
}
Sense sense_lba_out_of_range() {
  return {sense_key::kIllegalRequest, 0x21, 0x00};
}
Sense sense_parameter_list_length_error() {
  return {sense_key::kIllegalRequest, 0x1A, 0x00};
}
Sense sense_write_protected() {
  return {sense_key::kDataProtect, 0x27, 0x00};
}
Sense sense_medium_not_present() {
  return {sense_key::kNotReady, 0x3A, 0x00};
}
Sense sense_miscompare(std::uint64_t offset) {
  Sense s{sense_key::kMiscompare, 0x1D, 0x00};
  s.information = offset;
  return s;
}
Sense sense_invalid_field_in_iu() {
  return {sense_key::kIllegalRequest, 0x0E, 0x03};
}
Sense sense_lun_not_supported() {
  return {sense_key::kIllegalRequest, 0x25, 0x00};
}

// ---- buffers -----------------------------------------------------------------------------------

namespace {

// Large data buffers (reads and writes of 64 KiB and more) are recycled. A fresh allocation of
// that size is an mmap (or heap memory the allocator just trimmed), and touching it costs a page
// fault per 4 KiB page — more than the copy into it. Buffers are freed on whichever thread drops
// the last reference (the transport's, a back end's worker), hence the mutex.
class LargeBufferPool {
 public:
  static constexpr std::size_t kMinSize = 64 * 1024;
  static constexpr int kClasses = 9;                    // 64 KiB … 16 MiB, powers of two
  static constexpr std::size_t kKeepBytes = 64u << 20;  // retained at most, over all classes

  static LargeBufferPool& instance() {
    static auto* pool = new LargeBufferPool;  // never destroyed: buffers may outlive statics
    return *pool;
  }
  // Class index and capacity for n bytes, or -1 when n is beyond the largest class.
  static int class_of(std::size_t n, std::size_t& capacity) {
    capacity = kMinSize;
    for (int c = 0; c < kClasses; ++c, capacity *= 2)
      if (n <= capacity) return c;
    return -1;
  }
  std::uint8_t* get(int c, std::size_t capacity) {
    {
      std::lock_guard lock(mu_);
      auto& list = free_[static_cast<std::size_t>(c)];
      if (!list.empty()) {
        std::uint8_t* p = list.back();
        list.pop_back();
        kept_ -= capacity;
        return p;
      }
    }
    return new std::uint8_t[capacity];
  }
  void put(int c, std::size_t capacity, std::uint8_t* p) {
    {
      std::lock_guard lock(mu_);
      if (kept_ + capacity <= kKeepBytes) {
        free_[static_cast<std::size_t>(c)].push_back(p);
        kept_ += capacity;
        return;
      }
    }
    delete[] p;
  }

 private:
  std::mutex mu_;
  std::array<std::vector<std::uint8_t*>, kClasses> free_;
  std::size_t kept_ = 0;
};

}  // namespace

Buffer Buffer::allocate(std::size_t n) {
  std::size_t capacity = 0;
  const int c = n >= LargeBufferPool::kMinSize ? LargeBufferPool::class_of(n, capacity) : -1;
  if (c < 0)
    return {std::shared_ptr<std::uint8_t[]>(new std::uint8_t[std::max<std::size_t>(n, 1)]), n};
  auto& pool = LargeBufferPool::instance();
  return {std::shared_ptr<std::uint8_t[]>(pool.get(c, capacity),
                                          [c, capacity](std::uint8_t* mem) {
                                            LargeBufferPool::instance().put(c, capacity, mem);
                                          }),
          n};
}
Buffer Buffer::zeros(std::size_t n) {
  Buffer b = allocate(n);
  if (n != 0) std::memset(b.data(), 0, n);
  return b;
}
Buffer Buffer::copy_of(std::span<const std::uint8_t> bytes) {
  Buffer b = allocate(bytes.size());
  if (!bytes.empty()) std::memcpy(b.data(), bytes.data(), bytes.size());
  return b;
}

// ---- opcodes -----------------------------------------------------------------------------------

namespace op {
inline constexpr std::uint8_t kTestUnitReady = 0x00;
inline constexpr std::uint8_t kRequestSense = 0x03;
inline constexpr std::uint8_t kRead6 = 0x08;
inline constexpr std::uint8_t kWrite6 = 0x0A;
inline constexpr std::uint8_t kInquiry = 0x12;
inline constexpr std::uint8_t kModeSelect6 = 0x15;
inline constexpr std::uint8_t kReserve6 = 0x16;
inline constexpr std::uint8_t kRelease6 = 0x17;
inline constexpr std::uint8_t kModeSense6 = 0x1A;
inline constexpr std::uint8_t kStartStopUnit = 0x1B;
inline constexpr std::uint8_t kPreventAllow = 0x1E;
inline constexpr std::uint8_t kReadCapacity10 = 0x25;
inline constexpr std::uint8_t kRead10 = 0x28;
inline constexpr std::uint8_t kWrite10 = 0x2A;
inline constexpr std::uint8_t kWriteVerify10 = 0x2E;
inline constexpr std::uint8_t kVerify10 = 0x2F;
inline constexpr std::uint8_t kPrefetch10 = 0x34;
inline constexpr std::uint8_t kSyncCache10 = 0x35;
inline constexpr std::uint8_t kReadDefectData10 = 0x37;
inline constexpr std::uint8_t kWriteSame10 = 0x41;
inline constexpr std::uint8_t kSanitize = 0x48;
inline constexpr std::uint8_t kUnmap = 0x42;
inline constexpr std::uint8_t kModeSelect10 = 0x55;
inline constexpr std::uint8_t kReserve10 = 0x56;
inline constexpr std::uint8_t kRelease10 = 0x57;
inline constexpr std::uint8_t kModeSense10 = 0x5A;
inline constexpr std::uint8_t kPrIn = 0x5E;
inline constexpr std::uint8_t kPrOut = 0x5F;
inline constexpr std::uint8_t kRead16 = 0x88;
inline constexpr std::uint8_t kCompareAndWrite = 0x89;
inline constexpr std::uint8_t kWrite16 = 0x8A;
inline constexpr std::uint8_t kOrWrite16 = 0x8B;
inline constexpr std::uint8_t kWriteVerify16 = 0x8E;
inline constexpr std::uint8_t kVerify16 = 0x8F;
inline constexpr std::uint8_t kPrefetch16 = 0x90;
inline constexpr std::uint8_t kSyncCache16 = 0x91;
inline constexpr std::uint8_t kWriteSame16 = 0x93;
inline constexpr std::uint8_t kWriteAtomic16 = 0x9C;
inline constexpr std::uint8_t kServiceActionIn16 = 0x9E;  // READ CAPACITY 16, GET LBA STATUS
inline constexpr std::uint8_t kReportLuns = 0xA0;
inline constexpr std::uint8_t kMaintenanceIn = 0xA3;  // REPORT SUPPORTED OPERATION CODES
inline constexpr std::uint8_t kRead12 = 0xA8;
inline constexpr std::uint8_t kWrite12 = 0xAA;
inline constexpr std::uint8_t kWriteVerify12 = 0xAE;
inline constexpr std::uint8_t kVerify12 = 0xAF;
inline constexpr std::uint8_t kReadDefectData12 = 0xB7;
inline constexpr std::uint8_t kSaReadCapacity16 = 0x10;
inline constexpr std::uint8_t kSaGetLbaStatus = 0x12;
inline constexpr std::uint8_t kSaReportSupportedOpcodes = 0x0C;
}  // namespace op

namespace {

// One entry of REPORT SUPPORTED OPERATION CODES: opcode, service action (if any), CDB length and
// the usage bitmap (which CDB bits the device server looks at).
struct OpInfo {
  std::uint8_t opcode;
  std::optional<std::uint16_t> service_action;
  std::vector<std::uint8_t> usage;  // first byte = opcode; size = CDB length
};

// Usage bitmaps of the block commands: the flags byte, then LBA and transfer length fully
// significant, GROUP NUMBER (5 bits) and CONTROL (NACA, LINK, obsolete flag).
OpInfo block10(std::uint8_t opcode, std::uint8_t flags) {
  return {opcode, {}, {opcode, flags, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0x07}};
}
OpInfo block_long(std::uint8_t opcode, std::uint8_t flags, std::size_t field_bytes) {
  OpInfo o{opcode, {}, std::vector<std::uint8_t>(field_bytes + 4, 0xFF)};  // LBA, length
  o.usage[0] = opcode;
  o.usage[1] = flags;
  o.usage[field_bytes + 2] = 0x1F;
  o.usage[field_bytes + 3] = 0x07;
  return o;
}
OpInfo block12(std::uint8_t opcode, std::uint8_t flags) {
  return block_long(opcode, flags, 8);
}
OpInfo block16(std::uint8_t opcode, std::uint8_t flags) {
  return block_long(opcode, flags, 12);
}
// A 16-byte block command whose CDB bytes [from, to) are not looked at (smaller length fields).
OpInfo block16_ignoring(std::uint8_t opcode, std::uint8_t flags, std::size_t from, std::size_t to) {
  OpInfo o = block16(opcode, flags);
  std::fill(o.usage.begin() + static_cast<std::ptrdiff_t>(from),
            o.usage.begin() + static_cast<std::ptrdiff_t>(to), 0x00);
  return o;
}
// Every service action of `opcode` in `actions`, each with the same usage bitmap.
void add_service_actions(std::vector<OpInfo>& ops, std::uint8_t opcode,
                         std::initializer_list<std::uint16_t> actions,
                         std::vector<std::uint8_t> usage) {
  for (std::uint16_t sa : actions) ops.push_back({opcode, sa, usage});
}

const std::vector<OpInfo>& supported_ops() {
  static const std::vector<OpInfo> ops = [] {
    std::vector<OpInfo> v = {
        {op::kTestUnitReady, {}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x07}},
        {op::kRequestSense, {}, {0x03, 0x01, 0x00, 0x00, 0xFF, 0x07}},
        {op::kRead6, {}, {0x08, 0x1F, 0xFF, 0xFF, 0xFF, 0x07}},
        {op::kWrite6, {}, {0x0A, 0x1F, 0xFF, 0xFF, 0xFF, 0x07}},
        {op::kInquiry, {}, {0x12, 0x01, 0xFF, 0xFF, 0xFF, 0x07}},
        {op::kModeSelect6, {}, {0x15, 0x11, 0x00, 0x00, 0xFF, 0x07}},
        {op::kReserve6, {}, {0x16, 0x00, 0x00, 0x00, 0x00, 0x07}},
        {op::kRelease6, {}, {0x17, 0x00, 0x00, 0x00, 0x00, 0x07}},
        {op::kModeSense6, {}, {0x1A, 0x08, 0xFF, 0xFF, 0xFF, 0x07}},
        {op::kStartStopUnit, {}, {0x1B, 0x01, 0x00, 0x0F, 0xF7, 0x07}},
        {op::kPreventAllow, {}, {0x1E, 0x00, 0x00, 0x00, 0x03, 0x07}},
        {op::kReadCapacity10, {}, {0x25, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x07}},
        block10(op::kRead10, 0xF8),
        block10(op::kWrite10, 0xF8),
        block10(op::kWriteVerify10, 0xF6),
        block10(op::kVerify10, 0xF6),
        block10(op::kPrefetch10, 0x02),
        block10(op::kSyncCache10, 0x02),
        {op::kReadDefectData10, {}, {0x37, 0x00, 0x1F, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x07}},
        block10(op::kWriteSame10, 0xF8),
    };
    add_service_actions(v, op::kSanitize, {0x01, 0x02, 0x03, 0x1F},
                        {0x48, 0xBF, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x07});
    v.push_back({op::kUnmap, {}, {0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F, 0xFF, 0xFF, 0x07}});
    v.push_back(
        {op::kModeSelect10, {}, {0x55, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x07}});
    v.push_back({op::kReserve10, {}, {0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07}});
    v.push_back({op::kRelease10, {}, {0x57, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07}});
    v.push_back(
        {op::kModeSense10, {}, {0x5A, 0x18, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x07}});
    add_service_actions(v, op::kPrIn, {0x00, 0x01, 0x02, 0x03},
                        {0x5E, 0x1F, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x07});
    add_service_actions(v, op::kPrOut, {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06},
                        {0x5F, 0x1F, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x07});
    v.push_back(block16(op::kRead16, 0xF8));
    v.push_back(block16_ignoring(op::kCompareAndWrite, 0xF8, 10, 13));  // NUMBER OF BLOCKS: 1 byte
    v.push_back(block16(op::kWrite16, 0xF8));
    v.push_back(block16(op::kOrWrite16, 0xF8));
    v.push_back(block16(op::kWriteVerify16, 0xF6));
    v.push_back(block16(op::kVerify16, 0xF6));
    v.push_back(block16(op::kPrefetch16, 0x02));
    v.push_back(block16(op::kSyncCache16, 0x02));
    v.push_back(block16(op::kWriteSame16, 0xF9));
    v.push_back(block16_ignoring(op::kWriteAtomic16, 0xF8, 10, 12));  // 2-byte length
    v.push_back({op::kServiceActionIn16,
                 op::kSaReadCapacity16,
                 {0x9E, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
                  0xFF, 0x00, 0x07}});
    v.push_back({op::kServiceActionIn16,
                 op::kSaGetLbaStatus,
                 {0x9E, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                  0xFF, 0x00, 0x07}});
    v.push_back({op::kReportLuns,
                 {},
                 {0xA0, 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x07}});
    v.push_back({op::kMaintenanceIn,
                 op::kSaReportSupportedOpcodes,
                 {0xA3, 0x0C, 0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x07}});
    v.push_back(block12(op::kRead12, 0xF8));
    v.push_back(block12(op::kWrite12, 0xF8));
    v.push_back(block12(op::kWriteVerify12, 0xF6));
    v.push_back(block12(op::kVerify12, 0xF6));
    v.push_back({op::kReadDefectData12,
                 {},
                 {0xB7, 0x1F, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x07}});
    return v;
  }();
  return ops;
}

std::uint16_t service_action_of(const std::array<std::uint8_t, 16>& cdb) {
  return cdb[1] & 0x1F;
}

// Returns the data truncated to the allocation length (never more than the command produced).
ScsiResult data_result(std::vector<std::uint8_t> bytes, std::size_t alloc) {
  bytes.resize(std::min(bytes.size(), alloc));
  ScsiResult r;
  r.data_in = Buffer::copy_of(bytes);
  return r;
}

void put_ascii(std::vector<std::uint8_t>& v, std::size_t off, std::string_view s,
               std::size_t width) {
  for (std::size_t i = 0; i < width; ++i)
    v[off + i] = i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ';
}

// Decoded LBA range of a block command.
struct Range {
  std::uint64_t lba = 0;
  std::uint32_t blocks = 0;
  std::uint8_t protect = 0;  // RDPROTECT / WRPROTECT / VRPROTECT / ORPROTECT
  bool fua = false;
  std::uint8_t bytchk = 0;
};

Range decode_range(const std::array<std::uint8_t, 16>& c) {
  Range r;
  switch (c[0]) {
    case op::kRead6:
    case op::kWrite6:
      r.lba = (static_cast<std::uint64_t>(c[1] & 0x1F) << 16) | load_be16(&c[2]);
      r.blocks = c[4] == 0 ? 256 : c[4];
      return r;
    case op::kRead10:
    case op::kWrite10:
    case op::kWriteVerify10:
    case op::kVerify10:
    case op::kPrefetch10:
    case op::kSyncCache10:
    case op::kWriteSame10:
      r.lba = load_be32(&c[2]);
      r.blocks = load_be16(&c[7]);
      break;
    case op::kRead12:
    case op::kWrite12:
    case op::kWriteVerify12:
    case op::kVerify12:
      r.lba = load_be32(&c[2]);
      r.blocks = load_be32(&c[6]);
      break;
    case op::kCompareAndWrite:
      r.lba = load_be64(&c[2]);
      r.blocks = c[13];
      break;
    case op::kWriteAtomic16:
      r.lba = load_be64(&c[2]);
      r.blocks = load_be16(&c[12]);
      break;
    default:  // 16-byte commands
      r.lba = load_be64(&c[2]);
      r.blocks = load_be32(&c[10]);
      break;
  }
  r.protect = c[1] >> 5;
  r.fua = (c[1] & 0x08) != 0;
  r.bytchk = (c[1] >> 1) & 3;
  return r;
}

bool is_write_op(std::uint8_t o) {
  switch (o) {
    case op::kWrite6:
    case op::kWrite10:
    case op::kWrite12:
    case op::kWrite16:
    case op::kWriteVerify10:
    case op::kWriteVerify12:
    case op::kWriteVerify16:
    case op::kWriteSame10:
    case op::kWriteSame16:
    case op::kUnmap:
    case op::kCompareAndWrite:
    case op::kOrWrite16:
    case op::kWriteAtomic16:
    case op::kSanitize:
      return true;
    default:
      return false;
  }
}

bool is_read_op(std::uint8_t o) {
  switch (o) {
    case op::kRead6:
    case op::kRead10:
    case op::kRead12:
    case op::kRead16:
    case op::kVerify10:
    case op::kVerify12:
    case op::kVerify16:
    case op::kPrefetch10:
    case op::kPrefetch16:
      return true;
    default:
      return false;
  }
}

}  // namespace

// ---- persistent reservations -------------------------------------------------------------------

struct LogicalUnit::Pr {
  std::uint32_t generation = 0;
  std::map<std::string, std::uint64_t> keys;  // nexus key -> reservation key
  std::optional<std::string> holder;          // nexus key (for all-registrants types: any)
  std::uint8_t type = 0;
  bool aptpl = false;

  bool reserved() const { return holder.has_value(); }
  bool all_registrants() const { return type == 7 || type == 8; }
  bool is_holder(const std::string& k) const {
    if (!holder) return false;
    if (all_registrants()) return keys.count(k) != 0;
    return *holder == k;
  }
};

// ---- LogicalUnit -------------------------------------------------------------------------------

LogicalUnit::LogicalUnit(LuConfig config, std::unique_ptr<BlockBackend> backend,
                         std::shared_ptr<CompletionQueue> timers)
    : config_(std::move(config)),
      backend_(std::move(backend)),
      timers_(std::move(timers)),
      pr_(std::make_unique<Pr>()),
      alive_(std::make_shared<bool>(true)) {
  blocks_ = backend_->size_bytes() / config_.block_size;
  swp_ = false;
}

LogicalUnit::~LogicalUnit() {
  *alive_ = false;
}

bool LogicalUnit::outlives_task(std::uint8_t opcode) {
  return opcode == op::kSanitize;
}

ScsiResult LogicalUnit::check(const Sense& s) {
  ScsiResult r;
  r.status = scsi_status::kCheckCondition;
  r.sense = encode_sense(s, d_sense_);
  return r;
}

ScsiResult LogicalUnit::io_result(const Status& st, std::uint64_t wanted_out, bool reading) {
  ScsiResult r =
      st ? ScsiResult{}
         : check({sense_key::kMediumError, static_cast<std::uint8_t>(reading ? 0x11 : 0x0C),
                  0x00});  // unrecovered read error / write error
  r.wanted_out = static_cast<std::uint32_t>(wanted_out);
  return r;
}

void LogicalUnit::add_unit_attention(const std::string& key, const Sense& s) {
  auto& q = ua_[key];
  if (std::find(q.begin(), q.end(), s) == q.end()) q.push_back(s);
}

void LogicalUnit::add_unit_attention_all(const Sense& s, const std::string* except_key) {
  for (auto& [key, q] : ua_) {
    if (except_key != nullptr && key == *except_key) continue;
    // A reset supersedes whatever was pending.
    if (s.asc == 0x29) q.clear();
    if (std::find(q.begin(), q.end(), s) == q.end()) q.push_back(s);
  }
}

std::optional<Sense> LogicalUnit::take_unit_attention(const ItNexus& nexus) {
  auto [it, inserted] = ua_.try_emplace(nexus.key());
  if (inserted) it->second.push_back({sense_key::kUnitAttention, 0x29, 0x00});  // power on
  if (it->second.empty()) return std::nullopt;
  Sense s = it->second.front();
  it->second.pop_front();
  return s;
}

void LogicalUnit::nexus_lost(const ItNexus& nexus) {
  const std::string key = nexus.key();
  prevent_.erase(key);
  if (reserved_by_ && *reserved_by_ == key) reserved_by_.reset();
  // The next login over this nexus learns what happened.
  auto& q = ua_[key];
  q.clear();
  q.push_back({sense_key::kUnitAttention, 0x29, 0x07});
}

void LogicalUnit::logical_unit_reset(const ItNexus* by) {
  (void)by;
  prevent_.clear();
  reserved_by_.reset();
  d_sense_ = false;
  add_unit_attention_all({sense_key::kUnitAttention, 0x29, 0x03});
}

void LogicalUnit::power_on_reset() {
  prevent_.clear();
  reserved_by_.reset();
  d_sense_ = false;
  swp_ = false;
  medium_present_ = true;
  add_unit_attention_all({sense_key::kUnitAttention, 0x29, 0x01});
}

bool LogicalUnit::conflicts(const ItNexus& nexus, std::uint8_t o,
                            const std::array<std::uint8_t, 16>& cdb) const {
  switch (o) {
    case op::kInquiry:
    case op::kReportLuns:
    case op::kRequestSense:
    case op::kMaintenanceIn:
    case op::kPrIn:
      return false;
    default:
      break;
  }
  const std::string key = nexus.key();
  if (reserved_by_ && *reserved_by_ != key) {
    // SPC-2 reservation: everything else from other nexuses conflicts, except RELEASE (a no-op).
    if (o == op::kRelease6 || o == op::kRelease10) return false;
    if (o == op::kServiceActionIn16 && service_action_of(cdb) == op::kSaReadCapacity16)
      return false;
    if (o == op::kReadCapacity10) return false;
    return true;
  }
  if (o == op::kPrOut) return false;
  if (!pr_->reserved() || pr_->is_holder(key)) return false;
  const bool registered = pr_->keys.count(key) != 0;
  const bool medium_write = is_write_op(o) || o == op::kModeSelect6 || o == op::kModeSelect10 ||
                            o == op::kSyncCache10 || o == op::kSyncCache16;
  const bool medium_read = is_read_op(o) || o == op::kModeSense6 || o == op::kModeSense10;
  // RESERVE(6/10) while a persistent reservation exists conflicts (SPC-4 §5.13.3).
  if (o == op::kReserve6 || o == op::kReserve10) return true;
  switch (pr_->type) {
    case 1:  // Write Exclusive
      return medium_write;
    case 3:  // Exclusive Access
      return medium_write || medium_read;
    case 5:  // Write Exclusive - Registrants Only
    case 7:  // Write Exclusive - All Registrants
      return !registered && medium_write;
    case 6:  // Exclusive Access - Registrants Only
    case 8:  // Exclusive Access - All Registrants
      return !registered && (medium_write || medium_read);
    default:
      return false;
  }
}

void LogicalUnit::io(IoRequest r, std::function<void(Status)> cb) {
  ++in_flight_;
  std::weak_ptr<bool> alive = alive_;
  backend_->submit(r, [this, alive, cb = std::move(cb)](Status st) {
    auto a = alive.lock();
    if (!a || !*a) return;
    --in_flight_;
    cb(std::move(st));
  });
}

void LogicalUnit::execute(ScsiRequest req, ScsiDone done) {
  dispatch(req, std::move(done));
}

void LogicalUnit::dispatch(ScsiRequest& req, ScsiDone done) {
  const auto& c = req.cdb;
  const std::uint8_t o = c[0];
  const ItNexus dummy;
  const ItNexus& nexus = req.nexus ? *req.nexus : dummy;

  // INQUIRY, REPORT LUNS and REQUEST SENSE neither report nor clear unit attentions (SPC-4 §5.14).
  if (o != op::kInquiry && o != op::kReportLuns && o != op::kRequestSense) {
    if (auto ua = take_unit_attention(nexus)) return done(check(*ua));
  } else {
    ua_.try_emplace(nexus.key(), std::deque<Sense>{{sense_key::kUnitAttention, 0x29, 0x00}});
  }
  if (conflicts(nexus, o, c)) {
    ScsiResult r;
    r.status = scsi_status::kReservationConflict;
    return done(std::move(r));
  }
  if (sanitizing_ && o != op::kInquiry && o != op::kReportLuns && o != op::kRequestSense)
    return done(check({sense_key::kNotReady, 0x04, 0x1B}));  // sanitize in progress
  // Without a medium only commands about the device itself work.
  if (!medium_present_) {
    switch (o) {
      case op::kInquiry:
      case op::kReportLuns:
      case op::kRequestSense:
      case op::kStartStopUnit:
      case op::kPreventAllow:
      case op::kMaintenanceIn:
      case op::kModeSense6:
      case op::kModeSense10:
      case op::kModeSelect6:
      case op::kModeSelect10:
      case op::kReserve6:
      case op::kRelease6:
      case op::kReserve10:
      case op::kRelease10:
      case op::kPrIn:
      case op::kPrOut:
        break;
      default:
        return done(check(sense_medium_not_present()));
    }
  }

  switch (o) {
    case op::kTestUnitReady:
      return done(ScsiResult{});
    case op::kServiceActionIn16:
      if (service_action_of(c) == op::kSaReadCapacity16) return done(read_capacity16(req));
      if (service_action_of(c) == op::kSaGetLbaStatus) {
        if (!config_.thin) return done(check(sense_invalid_field_in_cdb(1, 4)));
        return done(get_lba_status(req));
      }
      return done(check(sense_invalid_field_in_cdb(1, 4)));
    case op::kMaintenanceIn:
      if (service_action_of(c) == op::kSaReportSupportedOpcodes)
        return done(report_supported_opcodes(req));
      return done(check(sense_invalid_field_in_cdb(1, 4)));
    case op::kUnmap:
      if (!config_.thin) return done(check(sense_invalid_opcode()));
      break;
    default:
      break;
  }
  route(req, std::move(done));
}

void LogicalUnit::route(ScsiRequest& req, ScsiDone done) {
  using Now = ScsiResult (LogicalUnit::*)(const ScsiRequest&);
  using Later = void (LogicalUnit::*)(ScsiRequest&, ScsiDone);
  struct Route {
    Now now = nullptr;
    Later later = nullptr;
  };
  // Indexed by opcode: commands answered from the LU's state, and commands that go through the
  // back end (their `done` may run later). Opcodes without an entry are not supported.
  static const std::array<Route, 256> routes = [] {
    std::array<Route, 256> t{};
    // Vectors, not initializer_lists: a list inside a pair would dangle once the pair is built.
    const std::pair<std::vector<std::uint8_t>, Now> now[] = {
        {{op::kRequestSense}, &LogicalUnit::request_sense},
        {{op::kInquiry}, &LogicalUnit::inquiry},
        {{op::kReportLuns}, &LogicalUnit::report_luns},
        {{op::kReadCapacity10}, &LogicalUnit::read_capacity10},
        {{op::kModeSense6, op::kModeSense10}, &LogicalUnit::mode_sense},
        {{op::kModeSelect6, op::kModeSelect10}, &LogicalUnit::mode_select},
        {{op::kStartStopUnit}, &LogicalUnit::start_stop},
        {{op::kPreventAllow}, &LogicalUnit::prevent_allow},
        {{op::kReserve6, op::kReserve10}, &LogicalUnit::reserve},
        {{op::kRelease6, op::kRelease10}, &LogicalUnit::release},
        {{op::kPrIn}, &LogicalUnit::pr_in},
        {{op::kPrOut}, &LogicalUnit::pr_out},
        {{op::kReadDefectData10, op::kReadDefectData12}, &LogicalUnit::read_defect_data},
    };
    const std::pair<std::vector<std::uint8_t>, Later> later[] = {
        {{op::kRead6, op::kRead10, op::kRead12, op::kRead16}, &LogicalUnit::read},
        {{op::kWrite6, op::kWrite10, op::kWrite12, op::kWrite16, op::kWriteVerify10,
          op::kWriteVerify12, op::kWriteVerify16, op::kWriteAtomic16},
         &LogicalUnit::write},
        {{op::kVerify10, op::kVerify12, op::kVerify16}, &LogicalUnit::verify},
        {{op::kWriteSame10, op::kWriteSame16}, &LogicalUnit::write_same},
        {{op::kUnmap}, &LogicalUnit::unmap},
        {{op::kCompareAndWrite}, &LogicalUnit::compare_and_write},
        {{op::kOrWrite16}, &LogicalUnit::orwrite},
        {{op::kPrefetch10, op::kPrefetch16}, &LogicalUnit::prefetch},
        {{op::kSyncCache10, op::kSyncCache16}, &LogicalUnit::synchronize_cache},
        {{op::kSanitize}, &LogicalUnit::sanitize},
    };
    for (const auto& [ops, fn] : now)
      for (std::uint8_t o : ops) t[o].now = fn;
    for (const auto& [ops, fn] : later)
      for (std::uint8_t o : ops) t[o].later = fn;
    return t;
  }();
  const Route& r = routes[req.cdb[0]];
  if (r.now) return done((this->*r.now)(req));
  if (r.later) return (this->*r.later)(req, std::move(done));
  done(check(sense_invalid_opcode()));
}

// ---- informational commands --------------------------------------------------------------------

ScsiResult LogicalUnit::inquiry(const ScsiRequest& req) {
  const auto& c = req.cdb;
  const bool evpd = c[1] & 0x01;
  const std::size_t alloc = load_be16(&c[3]);
  if (c[1] & 0xFE) return check(sense_invalid_field_in_cdb(1));
  if (!evpd) {
    if (c[2] != 0) return check(sense_invalid_field_in_cdb(2));
    std::vector<std::uint8_t> d(74, 0);
    d[0] = 0x00;  // connected, direct access block device
    d[1] = config_.removable ? 0x80 : 0x00;
    d[2] = 0x06;  // SPC-4
    d[3] = 0x12;  // HiSup, response data format 2
    d[4] = static_cast<std::uint8_t>(d.size() - 5);
    d[7] = 0x02;  // CmdQue
    put_ascii(d, 8, config_.vendor, 8);
    put_ascii(d, 16, config_.product, 16);
    put_ascii(d, 32, config_.revision, 4);
    // Version descriptors: SAM-5, iSCSI, SPC-4, SBC-3.
    const std::uint16_t versions[] = {0x00A0, 0x0960, 0x0460, 0x04C0};
    for (std::size_t i = 0; i < 4; ++i) store_be16(&d[58 + 2 * i], versions[i]);
    return data_result(std::move(d), alloc);
  }
  ScsiResult r = vpd_page(c[2]);
  if (r.status == scsi_status::kGood && r.data_in.size() > alloc) r.data_in.n = alloc;
  return r;
}

ScsiResult LogicalUnit::vpd_page(std::uint8_t page) {
  std::vector<std::uint8_t> d(4, 0);
  d[1] = page;
  switch (page) {
    case 0x00:
      for (std::uint8_t p : {0x00, 0x80, 0x83, 0xB0, 0xB1}) d.push_back(p);
      if (config_.thin) d.push_back(0xB2);
      break;
    case 0x80: {
      const std::string& s = config_.serial.empty() ? std::string("0") : config_.serial;
      d.insert(d.end(), s.begin(), s.end());
      break;
    }
    case 0x83: {
      // NAA 6 (IEEE registered extended), logical unit association.
      std::uint8_t naa[20] = {0x01, 0x03, 0x00, 0x10};
      store_be64(&naa[4], 0x6001405000000000ull | (config_.naa >> 28 & 0xFFFFFFFFFull));
      store_be64(&naa[12], config_.naa);
      d.insert(d.end(), naa, naa + 20);
      // T10 vendor ID designator: vendor + serial.
      std::vector<std::uint8_t> t10(4 + 8, ' ');
      t10[0] = 0x02;
      t10[1] = 0x01;
      t10[2] = 0x00;
      put_ascii(t10, 4, config_.vendor, 8);
      t10.insert(t10.end(), config_.serial.begin(), config_.serial.end());
      t10[3] = static_cast<std::uint8_t>(t10.size() - 4);
      d.insert(d.end(), t10.begin(), t10.end());
      // SCSI name string of the target device (iSCSI protocol identifier 5).
      if (!config_.target_name.empty()) {
        std::vector<std::uint8_t> name(4, 0);
        name[0] = 0x53;  // protocol iSCSI, UTF-8
        name[1] = 0xA8;  // PIV, target device association, SCSI name string
        name.insert(name.end(), config_.target_name.begin(), config_.target_name.end());
        name.push_back(0);
        while ((name.size() - 4) % 4 != 0) name.push_back(0);
        name[3] = static_cast<std::uint8_t>(name.size() - 4);
        d.insert(d.end(), name.begin(), name.end());
      }
      break;
    }
    case 0xB0: {
      d.resize(64, 0);
      // WSNZ clear: WRITE SAME with zero blocks means "to the end of the medium".
      d[5] = config_.max_compare_write_blocks;
      store_be16(&d[6], 1u << config_.lbppbe);  // optimal transfer length granularity
      store_be32(&d[8], config_.max_transfer_blocks);
      store_be32(&d[12], config_.max_transfer_blocks);
      store_be32(&d[16], config_.max_transfer_blocks);  // maximum prefetch length
      if (config_.thin) {
        store_be32(&d[20], config_.max_unmap_blocks);
        store_be32(&d[24], config_.max_unmap_descriptors);
        store_be32(&d[28], 1u << config_.lbppbe);  // optimal unmap granularity
        store_be32(&d[32], 0x80000000u);           // UGAVALID, alignment 0
      }
      store_be64(&d[36], config_.max_write_same_blocks);
      store_be32(&d[44], config_.max_atomic_transfer_blocks);  // WRITE ATOMIC(16)
      break;
    }
    case 0xB1:
      d.resize(64, 0);
      store_be16(&d[4], 0x0001);  // non-rotating medium
      d[7] = 0x50;                // WABEREQ 1, WACEREQ 1: reads after an erase succeed
      break;
    case 0xB2:
      if (!config_.thin) return check(sense_invalid_field_in_cdb(2));
      d.resize(8, 0);
      d[4] = 0;     // threshold exponent
      d[5] = 0xE4;  // LBPU, LBPWS, LBPWS10, LBPRZ (unmapped blocks read as zeros)
      d[6] = 0x02;  // provisioning type: thin
      break;
    default:
      return check(sense_invalid_field_in_cdb(2));
  }
  store_be16(&d[2], static_cast<std::uint32_t>(d.size() - 4));
  const std::size_t full = d.size();
  return data_result(std::move(d), full);
}

ScsiResult LogicalUnit::report_luns(const ScsiRequest& req) {
  const auto& c = req.cdb;
  const std::uint32_t alloc = load_be32(&c[6]);
  if (c[2] > 2 && c[2] != 0x10 && c[2] != 0x11 && c[2] != 0x12)
    return check(sense_invalid_field_in_cdb(2));
  if (alloc < 16) return check(sense_invalid_field_in_cdb(6));
  // The transport owns the LUN map; a LogicalUnit answering on its own knows only LUN 0. The
  // iSCSI layer answers REPORT LUNS itself with every LUN of the target.
  std::vector<std::uint8_t> d(16, 0);
  store_be32(&d[0], 8);
  return data_result(std::move(d), alloc);
}

ScsiResult LogicalUnit::read_capacity10(const ScsiRequest& req) {
  const auto& c = req.cdb;
  if ((c[8] & 0x01) == 0 && load_be32(&c[2]) != 0) return check(sense_invalid_field_in_cdb(2));
  std::vector<std::uint8_t> d(8, 0);
  const std::uint64_t last = blocks_ == 0 ? 0 : blocks_ - 1;
  store_be32(&d[0], last > 0xFFFFFFFEu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(last));
  store_be32(&d[4], config_.block_size);
  return data_result(std::move(d), 8);
}

ScsiResult LogicalUnit::read_capacity16(const ScsiRequest& req) {
  const std::uint32_t alloc = load_be32(&req.cdb[10]);
  std::vector<std::uint8_t> d(32, 0);
  store_be64(&d[0], blocks_ == 0 ? 0 : blocks_ - 1);
  store_be32(&d[8], config_.block_size);
  d[13] = config_.lbppbe & 0x0F;
  if (config_.thin) d[14] = 0xC0;  // LBPME, LBPRZ
  return data_result(std::move(d), alloc);
}

ScsiResult LogicalUnit::request_sense(const ScsiRequest& req) {
  const bool desc = req.cdb[1] & 0x01;
  const std::size_t alloc = req.cdb[4];
  Sense s{};
  auto it = ua_.find(req.nexus ? req.nexus->key() : std::string("|"));
  if (it != ua_.end() && !it->second.empty()) {
    s = it->second.front();
    it->second.pop_front();
  } else if (!medium_present_) {
    s = sense_medium_not_present();
  }
  return data_result(encode_sense(s, desc), alloc);
}

ScsiResult LogicalUnit::read_defect_data(const ScsiRequest& req) {
  const bool twelve = req.cdb[0] == op::kReadDefectData12;
  const auto& c = req.cdb;
  const std::uint8_t format = twelve ? (c[1] & 0x07) : (c[2] & 0x07);
  const std::uint8_t lists = twelve ? (c[1] & 0x18) : (c[2] & 0x18);
  const std::uint32_t alloc = twelve ? load_be32(&c[6]) : load_be16(&c[7]);
  // No defects: a header with the requested list bits and format and an empty list.
  std::vector<std::uint8_t> d(twelve ? 8 : 4, 0);
  d[1] = static_cast<std::uint8_t>(lists | format);
  return data_result(std::move(d), alloc);
}

ScsiResult LogicalUnit::report_supported_opcodes(const ScsiRequest& req) {
  const auto& c = req.cdb;
  const bool rctd = c[2] & 0x80;
  const std::uint8_t options = c[2] & 0x07;
  const std::uint8_t req_op = c[3];
  const std::uint16_t req_sa = static_cast<std::uint16_t>(load_be16(&c[4]));
  const std::uint32_t alloc = load_be32(&c[6]);
  const auto& ops = supported_ops();
  auto timeouts = [](std::vector<std::uint8_t>& d) {
    const std::uint8_t t[12] = {0x00, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30};
    d.insert(d.end(), t, t + 12);
  };
  std::vector<std::uint8_t> d;
  if (options == 0) {
    d.assign(4, 0);
    for (const auto& o : ops) {
      std::uint8_t e[8] = {o.opcode, 0, 0, 0, 0, 0, 0, 0};
      if (o.service_action) {
        store_be16(&e[2], *o.service_action);
        e[5] |= 0x01;  // SERVACTV
      }
      if (rctd) e[5] |= 0x02;  // CTDP
      store_be16(&e[6], static_cast<std::uint32_t>(o.usage.size()));
      d.insert(d.end(), e, e + 8);
      if (rctd) timeouts(d);
    }
    store_be32(&d[0], static_cast<std::uint32_t>(d.size() - 4));
    return data_result(std::move(d), alloc);
  }
  if (options > 3) return check(sense_invalid_field_in_cdb(2));
  const OpInfo* found = nullptr;
  bool sa_mismatch = false;
  for (const auto& o : ops) {
    if (o.opcode != req_op) continue;
    if (options == 1) {
      if (o.service_action)
        sa_mismatch = true;  // needs a service action
      else
        found = &o;
    } else if (options == 2) {
      if (!o.service_action)
        sa_mismatch = true;
      else if (*o.service_action == req_sa)
        found = &o;
    } else {  // 3: either
      if (!o.service_action || *o.service_action == req_sa) found = &o;
    }
    if (found) break;
  }
  if (!found && sa_mismatch && options != 3) return check(sense_invalid_field_in_cdb(2));
  d.assign(4, 0);
  if (found) {
    d[1] = 0x03;  // supported, standard
    if (rctd) d[1] |= 0x80;
    store_be16(&d[2], static_cast<std::uint32_t>(found->usage.size()));
    d.insert(d.end(), found->usage.begin(), found->usage.end());
    if (rctd) timeouts(d);
  } else {
    d[1] = 0x01;  // not supported
  }
  return data_result(std::move(d), alloc);
}

// ---- mode pages --------------------------------------------------------------------------------

ScsiResult LogicalUnit::mode_sense(const ScsiRequest& req) {
  const bool ten = req.cdb[0] == op::kModeSense10;
  const auto& c = req.cdb;
  const bool dbd = c[1] & 0x08;
  const bool llbaa = ten && (c[1] & 0x10);
  const std::uint8_t pc = c[2] >> 6;
  const std::uint8_t page = c[2] & 0x3F;
  const std::uint8_t subpage = c[3];
  const std::size_t alloc = ten ? load_be16(&c[7]) : c[4];
  if (pc == 3) return check({sense_key::kIllegalRequest, 0x39, 0x00});  // saving not supported
  const bool changeable = pc == 1;
  const bool defaults = pc == 2;

  auto caching = [&] {
    std::vector<std::uint8_t> p(20, 0);
    p[0] = 0x08;
    p[1] = 0x12;
    if (changeable)
      p[2] = 0x04;  // WCE
    else if (defaults)
      p[2] = 0x04;
    else
      p[2] = wce_ ? 0x04 : 0x00;
    return p;
  };
  auto control = [&] {
    std::vector<std::uint8_t> p(12, 0);
    p[0] = 0x0A;
    p[1] = 0x0A;
    if (changeable) {
      p[2] = 0x04;  // D_SENSE
      p[4] = 0x08;  // SWP
    } else if (!defaults) {
      p[2] = d_sense_ ? 0x04 : 0x00;
      p[3] = 0x10;  // QAM 1: unrestricted reordering
      p[4] = swp_ ? 0x08 : 0x00;
      p[5] = 0x40;  // TAS
      store_be16(&p[8], 0xFFFF);
    } else {
      p[3] = 0x10;
      p[5] = 0x40;
      store_be16(&p[8], 0xFFFF);
    }
    return p;
  };
  auto rw_recovery = [&] {
    std::vector<std::uint8_t> p(12, 0);
    p[0] = 0x01;
    p[1] = 0x0A;
    return p;
  };
  auto info_exceptions = [&] {
    std::vector<std::uint8_t> p(12, 0);
    p[0] = 0x1C;
    p[1] = 0x0A;
    return p;
  };

  std::vector<std::uint8_t> pages;
  auto add = [&](const std::vector<std::uint8_t>& p) {
    pages.insert(pages.end(), p.begin(), p.end());
  };
  if (subpage != 0 && subpage != 0xFF) return check(sense_invalid_field_in_cdb(3));
  switch (page) {
    case 0x01:
      add(rw_recovery());
      break;
    case 0x08:
      add(caching());
      break;
    case 0x0A:
      add(control());
      break;
    case 0x1C:
      add(info_exceptions());
      break;
    case 0x3F:
      add(rw_recovery());
      add(caching());
      add(control());
      add(info_exceptions());
      break;
    default:
      return check(sense_invalid_field_in_cdb(2));
  }

  std::vector<std::uint8_t> bd;
  if (!dbd) {
    if (llbaa) {
      bd.assign(16, 0);
      store_be64(&bd[0], blocks_);
      store_be32(&bd[12], config_.block_size);
    } else {
      bd.assign(8, 0);
      store_be32(&bd[0], blocks_ > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(blocks_));
      store_be32(&bd[4], config_.block_size & 0xFFFFFF);
    }
  }
  const std::uint8_t dev_specific =
      static_cast<std::uint8_t>(((config_.read_only || swp_) ? 0x80 : 0) | 0x10);  // WP, DPOFUA
  std::vector<std::uint8_t> d;
  if (ten) {
    d.assign(8, 0);
    d[3] = dev_specific;
    if (llbaa) d[4] = 0x01;
    store_be16(&d[6], static_cast<std::uint32_t>(bd.size()));
  } else {
    d.assign(4, 0);
    d[2] = dev_specific;
    d[3] = static_cast<std::uint8_t>(bd.size());
  }
  d.insert(d.end(), bd.begin(), bd.end());
  d.insert(d.end(), pages.begin(), pages.end());
  if (ten)
    store_be16(&d[0], static_cast<std::uint32_t>(d.size() - 2));
  else
    d[0] = static_cast<std::uint8_t>(std::min<std::size_t>(d.size() - 1, 255));
  return data_result(std::move(d), alloc);
}

ScsiResult LogicalUnit::mode_select(const ScsiRequest& req) {
  const bool ten = req.cdb[0] == op::kModeSelect10;
  const auto& c = req.cdb;
  const std::size_t len = ten ? load_be16(&c[7]) : c[4];
  if (c[1] & 0x01) return check({sense_key::kIllegalRequest, 0x39, 0x00});  // SP: cannot save
  ScsiResult r;
  r.wanted_out = static_cast<std::uint32_t>(len);
  if (len == 0) return r;
  const std::size_t hdr = ten ? 8 : 4;
  if (req.data_out.size() < len || len < hdr) {
    ScsiResult e = check(sense_parameter_list_length_error());
    e.wanted_out = r.wanted_out;
    return e;
  }
  const auto* p = req.data_out.data();
  const std::size_t bd_len = ten ? load_be16(&p[6]) : p[3];
  std::size_t off = hdr + bd_len;
  if (off > len) {
    ScsiResult e = check(sense_parameter_list_length_error());
    e.wanted_out = r.wanted_out;
    return e;
  }
  bool new_wce = wce_, new_dsense = d_sense_, new_swp = swp_;
  while (off < len) {
    if (off + 2 > len) return check(sense_parameter_list_length_error());
    const std::uint8_t page = p[off] & 0x3F;
    const bool spf = p[off] & 0x40;
    if (spf) return check(sense_invalid_field_in_parameter_list(static_cast<std::uint16_t>(off)));
    const std::size_t plen = p[off + 1];
    if (off + 2 + plen > len) return check(sense_parameter_list_length_error());
    switch (page) {
      case 0x08:
        if (plen != 0x12)
          return check(sense_invalid_field_in_parameter_list(static_cast<std::uint16_t>(off + 1)));
        new_wce = p[off + 2] & 0x04;
        break;
      case 0x0A:
        if (plen != 0x0A)
          return check(sense_invalid_field_in_parameter_list(static_cast<std::uint16_t>(off + 1)));
        new_dsense = p[off + 2] & 0x04;
        new_swp = p[off + 4] & 0x08;
        break;
      case 0x01:
      case 0x1C:
        break;  // nothing changeable; accepted as is
      default:
        return check(sense_invalid_field_in_parameter_list(static_cast<std::uint16_t>(off)));
    }
    off += 2 + plen;
  }
  // SPC-4 wants a MODE PARAMETERS CHANGED unit attention for the other I_T nexuses here. It is not
  // raised: initiators (libiscsi's multipath tests among them) do not expect it on a second path,
  // and the only changeable bits (WCE, D_SENSE, SWP) do not change the meaning of their data.
  wce_ = new_wce;
  d_sense_ = new_dsense;
  swp_ = new_swp;
  return r;
}

// ---- medium and reservations -------------------------------------------------------------------

ScsiResult LogicalUnit::start_stop(const ScsiRequest& req) {
  const auto& c = req.cdb;
  const std::uint8_t power = c[4] >> 4;
  const bool loej = c[4] & 0x02;
  const bool start = c[4] & 0x01;
  if (power != 0) return ScsiResult{};  // power conditions: accepted, nothing to do
  if (!loej) return ScsiResult{};
  if (!config_.removable) return check(sense_invalid_field_in_cdb(4, 1));
  // PREVENT MEDIUM REMOVAL blocks both loading and ejecting.
  if (!prevent_.empty()) return check({sense_key::kIllegalRequest, 0x53, 0x02});
  if (start) {
    medium_present_ = true;
    return ScsiResult{};
  }
  medium_present_ = false;
  return ScsiResult{};
}

ScsiResult LogicalUnit::prevent_allow(const ScsiRequest& req) {
  const std::uint8_t prevent = req.cdb[4] & 0x03;
  const std::string key = req.nexus ? req.nexus->key() : std::string("|");
  if (prevent == 1) {
    prevent_.insert(key);
  } else if (prevent == 0) {
    prevent_.erase(key);
  } else {
    return check(sense_invalid_field_in_cdb(4, 0));
  }
  return ScsiResult{};
}

ScsiResult LogicalUnit::reserve(const ScsiRequest& req) {
  const std::string key = req.nexus ? req.nexus->key() : std::string("|");
  if (req.cdb[0] == op::kReserve10 && (req.cdb[1] & 0x03))  // third-party / long id
    return check(sense_invalid_field_in_cdb(1));
  if (reserved_by_ && *reserved_by_ != key) {
    ScsiResult r;
    r.status = scsi_status::kReservationConflict;
    return r;
  }
  reserved_by_ = key;
  return ScsiResult{};
}

ScsiResult LogicalUnit::release(const ScsiRequest& req) {
  const std::string key = req.nexus ? req.nexus->key() : std::string("|");
  if (reserved_by_ && *reserved_by_ == key) reserved_by_.reset();
  return ScsiResult{};
}

ScsiResult LogicalUnit::pr_in(const ScsiRequest& req) {
  const auto& c = req.cdb;
  const std::uint8_t sa = c[1] & 0x1F;
  const std::size_t alloc = load_be16(&c[7]);
  std::vector<std::uint8_t> d(8, 0);
  store_be32(&d[0], pr_->generation);
  switch (sa) {
    case 0x00:  // READ KEYS
      for (const auto& [nexus, key] : pr_->keys) {
        (void)nexus;
        d.resize(d.size() + 8);
        store_be64(&d[d.size() - 8], key);
      }
      store_be32(&d[4], static_cast<std::uint32_t>(d.size() - 8));
      break;
    case 0x01:  // READ RESERVATION
      if (pr_->reserved()) {
        d.resize(24, 0);
        store_be32(&d[4], 16);
        const auto it = pr_->keys.find(*pr_->holder);
        store_be64(&d[8], pr_->all_registrants() || it == pr_->keys.end() ? 0 : it->second);
        d[21] = pr_->type & 0x0F;
      }
      break;
    case 0x02:  // REPORT CAPABILITIES
      d.assign(8, 0);
      store_be16(&d[0], 8);
      d[2] = 0x00;  // no CRH, SIP_C, ATP_C, PTPL_C
      d[3] = 0x80;  // TMV: type mask valid
      d[4] = 0xEA;  // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX
      d[5] = 0x01;  // EX_AC_AR
      break;
    case 0x03: {  // READ FULL STATUS
      for (const auto& [nexus, key] : pr_->keys) {
        std::vector<std::uint8_t> e(24, 0);
        store_be64(&e[0], key);
        if (pr_->is_holder(nexus)) {
          e[12] = 0x01;
          e[13] = pr_->type & 0x0F;
        }
        // TransportID: iSCSI name (format 0), NUL terminated, padded to a multiple of 4.
        const std::string port = nexus.substr(0, nexus.find('|'));
        std::vector<std::uint8_t> tid(4, 0);
        tid[0] = 0x05;
        tid.insert(tid.end(), port.begin(), port.end());
        tid.push_back(0);
        while (tid.size() % 4) tid.push_back(0);
        store_be16(&tid[2], static_cast<std::uint32_t>(tid.size() - 4));
        store_be32(&e[20], static_cast<std::uint32_t>(tid.size()));
        e.insert(e.end(), tid.begin(), tid.end());
        d.insert(d.end(), e.begin(), e.end());
      }
      store_be32(&d[4], static_cast<std::uint32_t>(d.size() - 8));
      break;
    }
    default:
      return check(sense_invalid_field_in_cdb(1, 4));
  }
  return data_result(std::move(d), alloc);
}

ScsiResult LogicalUnit::pr_out(const ScsiRequest& req) {
  const auto& c = req.cdb;
  const std::uint8_t sa = c[1] & 0x1F;
  const std::uint8_t scope = c[2] >> 4;
  const std::uint8_t type = c[2] & 0x0F;
  const std::uint32_t len = load_be32(&c[5]);
  const std::string me = req.nexus ? req.nexus->key() : std::string("|");
  ScsiResult ok;
  ok.wanted_out = len;
  auto fail = [&](const Sense& s) {
    ScsiResult r = check(s);
    r.wanted_out = len;
    return r;
  };
  auto conflict = [&] {
    ScsiResult r;
    r.status = scsi_status::kReservationConflict;
    r.wanted_out = len;
    return r;
  };
  if (sa > 0x07) return fail(sense_invalid_field_in_cdb(1, 4));
  if (sa == 0x07) return fail(sense_invalid_field_in_cdb(1, 4));  // REGISTER AND MOVE: unsupported
  if (len != 24) return fail(sense_parameter_list_length_error());
  if (req.data_out.size() < 24) return fail(sense_parameter_list_length_error());
  const auto* p = req.data_out.data();
  const std::uint64_t res_key = load_be64(&p[0]);
  const std::uint64_t sa_key = load_be64(&p[8]);
  const bool aptpl = p[20] & 0x01;
  if (p[20] & 0x04) return fail(sense_invalid_field_in_parameter_list(20));  // ALL_TG_PT
  if (p[20] & 0x08) return fail(sense_invalid_field_in_parameter_list(20));  // SPEC_I_PT
  const auto mine = pr_->keys.find(me);
  const bool registered = mine != pr_->keys.end();
  auto valid_type = [](std::uint8_t t) {
    return t == 1 || t == 3 || t == 5 || t == 6 || t == 7 || t == 8;
  };

  switch (sa) {
    case 0x00:    // REGISTER
    case 0x06: {  // REGISTER AND IGNORE EXISTING KEY
      if (sa == 0x00) {
        if (!registered && res_key != 0) return conflict();
        if (registered && res_key != mine->second) return conflict();
      }
      if (sa_key == 0) {
        if (registered) {
          const bool was_holder = pr_->is_holder(me);
          pr_->keys.erase(mine);
          if (was_holder && (!pr_->all_registrants() || pr_->keys.empty())) pr_->holder.reset();
          ++pr_->generation;
        }
      } else {
        pr_->keys[me] = sa_key;
        ++pr_->generation;
      }
      pr_->aptpl = aptpl;
      return ok;
    }
    case 0x01:  // RESERVE
      if (!registered || mine->second != res_key) return conflict();
      if (scope != 0) return fail(sense_invalid_field_in_cdb(2));
      if (!valid_type(type)) return fail(sense_invalid_field_in_cdb(2));
      if (pr_->reserved()) {
        if (pr_->is_holder(me) && pr_->type == type) return ok;
        return conflict();
      }
      pr_->holder = me;
      pr_->type = type;
      return ok;
    case 0x02:  // RELEASE
      if (!registered || mine->second != res_key) return conflict();
      if (!pr_->reserved() || !pr_->is_holder(me)) return ok;
      if (pr_->type != type)
        return fail({sense_key::kIllegalRequest, 0x26, 0x04});  // invalid release
      pr_->holder.reset();
      pr_->type = 0;
      return ok;
    case 0x03: {  // CLEAR
      if (!registered || mine->second != res_key) return conflict();
      for (const auto& [nexus, key] : pr_->keys) {
        (void)key;
        if (nexus != me) add_unit_attention(nexus, {sense_key::kUnitAttention, 0x2A, 0x03});
      }
      pr_->keys.clear();
      pr_->holder.reset();
      pr_->type = 0;
      ++pr_->generation;
      return ok;
    }
    case 0x04:    // PREEMPT
    case 0x05: {  // PREEMPT AND ABORT (tasks of preempted nexuses are not aborted here)
      if (!registered || mine->second != res_key) return conflict();
      bool removed = false;
      const bool holder_preempted = pr_->reserved() && !pr_->all_registrants() &&
                                    pr_->keys.count(*pr_->holder) &&
                                    pr_->keys[*pr_->holder] == sa_key;
      if (sa_key == 0 && !(pr_->reserved() && pr_->all_registrants()))
        return fail(sense_invalid_field_in_parameter_list(8));
      for (auto it = pr_->keys.begin(); it != pr_->keys.end();) {
        const bool match = sa_key == 0 ? it->first != me : it->second == sa_key;
        if (match && it->first != me) {
          add_unit_attention(it->first, {sense_key::kUnitAttention, 0x2A, 0x05});
          it = pr_->keys.erase(it);
          removed = true;
        } else {
          ++it;
        }
      }
      if (holder_preempted || (pr_->reserved() && pr_->all_registrants() && sa_key == 0)) {
        if (!valid_type(type)) return fail(sense_invalid_field_in_cdb(2));
        pr_->holder = me;
        pr_->type = type;
      }
      if (!removed && !holder_preempted) return conflict();
      ++pr_->generation;
      return ok;
    }
    default:
      return fail(sense_invalid_field_in_cdb(1, 4));
  }
}

// ---- block commands ----------------------------------------------------------------------------

void LogicalUnit::read(ScsiRequest& req, ScsiDone done) {
  const Range r = decode_range(req.cdb);
  if (r.protect != 0 && req.cdb[0] != op::kRead6)
    return done(check(sense_invalid_field_in_cdb(1, 7)));
  if (r.lba > blocks_ || r.blocks > blocks_ - r.lba) return done(check(sense_lba_out_of_range()));
  if (r.blocks > config_.max_transfer_blocks) return done(check(sense_invalid_field_in_cdb(7)));
  if (r.blocks == 0) return done(ScsiResult{});
  const std::size_t bytes = static_cast<std::size_t>(r.blocks) * config_.block_size;
  // Read only what the initiator can take (plus nothing): the residual reports the rest.
  const std::size_t want = std::min<std::size_t>(bytes, req.expected_length);
  // The buffer has the command's full length so the transport sees the overflow; only the part
  // the initiator accepts is read and sent.
  Buffer buf = Buffer::allocate(bytes);
  if (want == 0) {
    ScsiResult res;
    res.data_in = buf;
    return done(std::move(res));
  }
  // Ask the back end for the part that will be sent; a larger logical length keeps residuals right.
  const std::size_t fetch =
      ((want + config_.block_size - 1) / config_.block_size) * config_.block_size;
  io({IoOp::read, r.lba * config_.block_size, fetch, buf.data(), false},
     [this, buf, done = std::move(done)](Status st) mutable {
       if (!st) return done(check({sense_key::kMediumError, 0x11, 0x00}));
       ScsiResult res;
       res.data_in = buf;
       done(std::move(res));
     });
}

void LogicalUnit::write(ScsiRequest& req, ScsiDone done) {
  const Range r = decode_range(req.cdb);
  const bool verify_op = req.cdb[0] == op::kWriteVerify10 || req.cdb[0] == op::kWriteVerify12 ||
                         req.cdb[0] == op::kWriteVerify16;
  const std::size_t bytes = static_cast<std::size_t>(r.blocks) * config_.block_size;
  auto fail = [&](const Sense& s) {
    ScsiResult e = check(s);
    e.wanted_out = static_cast<std::uint32_t>(bytes);
    done(std::move(e));
  };
  if (r.protect != 0 && req.cdb[0] != op::kWrite6) return fail(sense_invalid_field_in_cdb(1, 7));
  if (r.lba > blocks_ || r.blocks > blocks_ - r.lba) return fail(sense_lba_out_of_range());
  if (r.blocks > config_.max_transfer_blocks) return fail(sense_invalid_field_in_cdb(7));
  if (req.cdb[0] == op::kWriteAtomic16 && r.blocks > config_.max_atomic_transfer_blocks)
    return fail(sense_invalid_field_in_cdb(12));
  if (config_.read_only || swp_) return fail(sense_write_protected());
  // EDTL and the CDB disagree: process the command normally but transfer no more than both allow
  // (SAM-5 §5.2.4 / FCP-4 option a); a partial block cannot be written, so that case is refused
  // without writing anything (option b). The transport reports the residual from `wanted_out`.
  const std::size_t usable =
      std::min<std::size_t>({bytes, req.expected_length, req.data_out.size()});
  if (usable % config_.block_size != 0) return fail(sense_invalid_field_in_iu());
  if (usable == 0) {
    ScsiResult res;
    res.wanted_out = static_cast<std::uint32_t>(bytes);
    return done(std::move(res));
  }
  const bool fua = (r.fua && !verify_op) || verify_op || !wce_;
  Buffer data = req.data_out;
  io({IoOp::write, r.lba * config_.block_size, usable, data.data(), fua},
     [this, data, bytes, done = std::move(done)](Status st) mutable {
       done(io_result(st, bytes));
     });
}

void LogicalUnit::verify(ScsiRequest& req, ScsiDone done) {
  const Range r = decode_range(req.cdb);
  const std::size_t bytes = static_cast<std::size_t>(r.blocks) * config_.block_size;
  const std::size_t out_len = r.bytchk == 0 ? 0 : r.bytchk == 3 ? config_.block_size : bytes;
  auto fail = [&](const Sense& s) {
    ScsiResult e = check(s);
    e.wanted_out = static_cast<std::uint32_t>(out_len);
    done(std::move(e));
  };
  if (r.protect != 0) return fail(sense_invalid_field_in_cdb(1, 7));
  if (r.bytchk == 2) return fail(sense_invalid_field_in_cdb(1, 2));
  if (r.lba > blocks_ || r.blocks > blocks_ - r.lba) return fail(sense_lba_out_of_range());
  if (r.blocks > config_.max_transfer_blocks) return fail(sense_invalid_field_in_cdb(7));
  if (r.blocks == 0 || r.bytchk == 0) {
    ScsiResult res;
    res.wanted_out = static_cast<std::uint32_t>(out_len);
    return done(std::move(res));
  }
  if (req.data_out.size() < out_len) return fail(sense_invalid_field_in_iu());
  Buffer medium = Buffer::allocate(bytes);
  Buffer expect = req.data_out;
  const std::uint32_t bs = config_.block_size;
  const std::uint8_t bytchk = r.bytchk;
  io({IoOp::read, r.lba * bs, bytes, medium.data(), false},
     [this, medium, expect, bytes, bs, bytchk, out_len, done = std::move(done)](Status st) mutable {
       ScsiResult res;
       if (!st) {
         res = check({sense_key::kMediumError, 0x11, 0x00});
       } else {
         for (std::size_t i = 0; i < bytes; ++i) {
           const std::uint8_t want = bytchk == 3 ? expect.data()[i % bs] : expect.data()[i];
           if (medium.data()[i] != want) {
             res = check(sense_miscompare(i));
             break;
           }
         }
       }
       res.wanted_out = static_cast<std::uint32_t>(out_len);
       done(std::move(res));
     });
}

void LogicalUnit::write_same(ScsiRequest& req, ScsiDone done) {
  const auto& c = req.cdb;
  const Range r0 = decode_range(c);
  const bool sixteen = c[0] == op::kWriteSame16;
  const bool unmap_bit = c[1] & 0x08;
  const bool anchor = c[1] & 0x10;
  const bool ndob = sixteen && (c[1] & 0x01);
  const std::uint32_t bs = config_.block_size;
  const std::uint32_t out_len = ndob ? 0 : bs;
  auto fail = [&](const Sense& s) {
    ScsiResult e = check(s);
    e.wanted_out = out_len;
    done(std::move(e));
  };
  if (r0.protect != 0) return fail(sense_invalid_field_in_cdb(1, 7));
  if (anchor) return fail(sense_invalid_field_in_cdb(1, 4));
  if (c[1] & 0x06) return fail(sense_invalid_field_in_cdb(1, 1));  // PBDATA / LBDATA
  if (r0.lba > blocks_) return fail(sense_lba_out_of_range());
  std::uint64_t count = r0.blocks;
  if (count == 0) count = blocks_ - r0.lba;  // WSNZ = 0: to the end of the medium
  if (count > blocks_ - r0.lba) return fail(sense_lba_out_of_range());
  if (count > config_.max_write_same_blocks)
    return fail(sense_invalid_field_in_cdb(sixteen ? 10 : 7));
  if (config_.read_only || swp_) return fail(sense_write_protected());
  if (req.expected_length != out_len || req.data_out.size() != out_len)
    return fail(sense_invalid_field_in_iu());
  if (unmap_bit && !config_.thin) return fail(sense_invalid_field_in_cdb(1, 3));
  ScsiResult ok;
  ok.wanted_out = out_len;
  if (count == 0) return done(std::move(ok));

  const bool zero_pattern = ndob || std::all_of(req.data_out.data(), req.data_out.data() + bs,
                                                [](std::uint8_t b) { return b == 0; });
  const std::uint64_t off = r0.lba * bs;
  const std::uint64_t len = count * bs;
  auto complete = [this, out_len, done = std::move(done)](Status st) mutable {
    done(io_result(st, out_len));
  };
  if (unmap_bit && backend_->supports_discard()) {
    // UNMAP set on a thin LU: deallocate; unmapped blocks read back as zeros (LBPRZ).
    return io({IoOp::discard, off, len, nullptr, !wce_}, std::move(complete));
  }
  if (zero_pattern) return io({IoOp::write_zeroes, off, len, nullptr, !wce_}, std::move(complete));
  // Replicate the block into a bounded staging buffer and write it in chunks.
  const std::uint64_t chunk_blocks = std::min<std::uint64_t>(count, (1u << 20) / bs);
  Buffer pattern = Buffer::allocate(chunk_blocks * bs);
  for (std::uint64_t i = 0; i < chunk_blocks; ++i)
    std::memcpy(pattern.data() + i * bs, req.data_out.data(), bs);
  fill(off, len, pattern, !wce_, std::move(complete));
}

void LogicalUnit::fill(std::uint64_t off, std::uint64_t len, Buffer chunk, bool fua,
                       std::function<void(Status)> cb) {
  struct State {
    std::uint64_t next;
    std::uint64_t end;
    Status error;
    std::size_t outstanding = 0;
    std::function<void(Status)> cb;
  };
  auto state = std::make_shared<State>(State{off, off + len, Status::ok(), 0, std::move(cb)});
  if (len == 0) return state->cb(Status::ok());
  // Every chunk is issued at once; the last completion reports. Inline back ends complete inside
  // io(), so the outstanding count is raised before each submission.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces;
  for (std::uint64_t at = off; at < off + len; at += chunk.size())
    pieces.emplace_back(at, std::min<std::uint64_t>(chunk.size(), off + len - at));
  state->outstanding = pieces.size();
  for (const auto& [at, n] : pieces) {
    io({IoOp::write, at, n, chunk.data(), fua}, [state, chunk](Status st) {
      if (!st && state->error) state->error = st;
      if (--state->outstanding == 0) state->cb(state->error);
    });
  }
}

void LogicalUnit::fill_paced(std::uint64_t off, std::uint64_t len, Buffer chunk, std::uint64_t rate,
                             std::function<void(Status)> cb) {
  if (len == 0) return cb(Status::ok());
  const std::uint64_t n = std::min<std::uint64_t>(chunk.size(), len);
  std::weak_ptr<bool> alive = alive_;
  io({IoOp::write, off, n, chunk.data(), true},
     [this, alive, off, len, n, chunk, rate, cb = std::move(cb)](Status st) mutable {
       if (!st || n == len) return cb(st);
       const auto pause = std::chrono::nanoseconds(n * 1'000'000'000ull / rate);
       timers_->post_after(pause,
                           [this, alive, off, len, n, chunk, rate, cb = std::move(cb)]() mutable {
                             auto a = alive.lock();
                             if (!a || !*a) return;  // the LU is gone
                             fill_paced(off + n, len - n, std::move(chunk), rate, std::move(cb));
                           });
     });
}

void LogicalUnit::unmap(ScsiRequest& req, ScsiDone done) {
  const auto& c = req.cdb;
  const std::size_t len = load_be16(&c[7]);
  auto fail = [&](const Sense& s) {
    ScsiResult e = check(s);
    e.wanted_out = static_cast<std::uint32_t>(len);
    done(std::move(e));
  };
  if (c[1] & 0x01) return fail(sense_invalid_field_in_cdb(1, 0));  // ANCHOR
  if (config_.read_only || swp_) return fail(sense_write_protected());
  ScsiResult ok;
  ok.wanted_out = static_cast<std::uint32_t>(len);
  if (len == 0) return done(std::move(ok));
  if (len < 8 || req.data_out.size() < len) return fail(sense_parameter_list_length_error());
  const auto* p = req.data_out.data();
  const std::size_t data_len = load_be16(&p[0]);
  const std::size_t desc_len = load_be16(&p[2]);
  (void)data_len;
  if (desc_len % 16 != 0 || 8 + desc_len > len) return fail(sense_parameter_list_length_error());
  const std::size_t n = desc_len / 16;
  if (n > config_.max_unmap_descriptors) return fail(sense_invalid_field_in_parameter_list(2));
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t lba = load_be64(&p[8 + 16 * i]);
    const std::uint32_t count = load_be32(&p[8 + 16 * i + 8]);
    if (lba > blocks_ || count > blocks_ - lba) return fail(sense_lba_out_of_range());
    if (count > config_.max_unmap_blocks)
      return fail(sense_invalid_field_in_parameter_list(static_cast<std::uint16_t>(16 + 16 * i)));
    if (count != 0) ranges.emplace_back(lba, count);
  }
  if (ranges.empty()) return done(std::move(ok));
  auto remaining = std::make_shared<std::size_t>(ranges.size());
  auto error = std::make_shared<Status>();
  auto cb = std::make_shared<ScsiDone>(std::move(done));
  const std::uint32_t bs = config_.block_size;
  for (const auto& [lba, count] : ranges) {
    io({IoOp::discard, lba * bs, count * bs, nullptr, false},
       [this, remaining, error, cb, len](Status st) {
         if (!st && *error) *error = st;
         if (--*remaining == 0) {
           (*cb)(io_result(*error, len));
         }
       });
  }
}

ScsiResult LogicalUnit::get_lba_status(const ScsiRequest& req) {
  const auto& c = req.cdb;
  const std::uint64_t lba = load_be64(&c[2]);
  const std::uint32_t alloc = load_be32(&c[10]);
  if (lba >= blocks_) return check(sense_lba_out_of_range());
  const std::uint32_t bs = config_.block_size;
  std::vector<std::uint8_t> d(8, 0);
  std::uint64_t at = lba;
  // Enough descriptors to fill the allocation length, at most 64.
  const std::size_t max_desc = std::min<std::size_t>(64, alloc < 8 ? 1 : (alloc - 8) / 16 + 1);
  for (std::size_t i = 0; i < max_desc && at < blocks_; ++i) {
    const std::uint64_t max_blocks = std::min<std::uint64_t>(blocks_ - at, 0xFFFFFFFFu);
    const Extent e = backend_->mapping(at * bs, max_blocks * bs);
    std::uint64_t n = (e.length + bs - 1) / bs;
    if (n == 0) n = 1;
    std::uint8_t desc[16] = {};
    store_be64(&desc[0], at);
    store_be32(&desc[8], static_cast<std::uint32_t>(n));
    desc[12] = e.mapped ? 0x00 : 0x01;  // mapped / deallocated
    d.insert(d.end(), desc, desc + 16);
    at += n;
  }
  store_be32(&d[0], static_cast<std::uint32_t>(d.size() - 4));
  return data_result(std::move(d), alloc);
}

void LogicalUnit::compare_and_write(ScsiRequest& req, ScsiDone done) {
  const Range r = decode_range(req.cdb);
  const std::size_t bytes = static_cast<std::size_t>(r.blocks) * config_.block_size;
  auto fail = [&](const Sense& s) {
    ScsiResult e = check(s);
    e.wanted_out = static_cast<std::uint32_t>(2 * bytes);
    done(std::move(e));
  };
  if (r.protect != 0) return fail(sense_invalid_field_in_cdb(1, 7));
  if (r.lba > blocks_ || r.blocks > blocks_ - r.lba) return fail(sense_lba_out_of_range());
  if (r.blocks > config_.max_compare_write_blocks) return fail(sense_invalid_field_in_cdb(13));
  if (config_.read_only || swp_) return fail(sense_write_protected());
  // A Data-Out size that does not match NUMBER OF LOGICAL BLOCKS points at that CDB field (the
  // one-byte field wraps, so 256 blocks arrive as 0 with 256 blocks of data).
  if (req.expected_length != 2 * bytes || req.data_out.size() != 2 * bytes)
    return fail(sense_invalid_field_in_cdb(13));
  if (r.blocks == 0) {
    ScsiResult ok;
    ok.wanted_out = 0;
    return done(std::move(ok));
  }
  caw_queue_.emplace_back(std::move(req), std::move(done));
  if (!caw_busy_) run_next_caw();
}

void LogicalUnit::run_next_caw() {
  if (caw_queue_.empty()) {
    caw_busy_ = false;
    return;
  }
  caw_busy_ = true;
  auto [req, done] = std::move(caw_queue_.front());
  caw_queue_.pop_front();
  const Range r = decode_range(req.cdb);
  const std::uint32_t bs = config_.block_size;
  const std::size_t bytes = static_cast<std::size_t>(r.blocks) * bs;
  Buffer medium = Buffer::allocate(bytes);
  Buffer data = req.data_out;
  const std::uint64_t off = r.lba * bs;
  const bool fua = r.fua || !wce_;
  io({IoOp::read, off, bytes, medium.data(), false},
     [this, medium, data, bytes, off, fua, done = std::move(done)](Status st) mutable {
       auto finish_caw = [this](ScsiDone& d, ScsiResult res) {
         d(std::move(res));
         run_next_caw();
       };
       if (!st) return finish_caw(done, io_result(st, 2 * bytes, true));
       for (std::size_t i = 0; i < bytes; ++i) {
         if (medium.data()[i] != data.data()[i]) {
           ScsiResult e = check(sense_miscompare(i));
           e.wanted_out = static_cast<std::uint32_t>(2 * bytes);
           return finish_caw(done, std::move(e));
         }
       }
       io({IoOp::write, off, bytes, data.data() + bytes, fua},
          [this, data, bytes, finish_caw, done = std::move(done)](Status st2) mutable {
            finish_caw(done, io_result(st2, 2 * bytes));
          });
     });
}

void LogicalUnit::orwrite(ScsiRequest& req, ScsiDone done) {
  const Range r = decode_range(req.cdb);
  const std::uint32_t bs = config_.block_size;
  const std::size_t bytes = static_cast<std::size_t>(r.blocks) * bs;
  auto fail = [&](const Sense& s) {
    ScsiResult e = check(s);
    e.wanted_out = static_cast<std::uint32_t>(bytes);
    done(std::move(e));
  };
  if (r.protect != 0) return fail(sense_invalid_field_in_cdb(1, 7));
  if (r.lba > blocks_ || r.blocks > blocks_ - r.lba) return fail(sense_lba_out_of_range());
  if (r.blocks > config_.max_transfer_blocks) return fail(sense_invalid_field_in_cdb(10));
  if (config_.read_only || swp_) return fail(sense_write_protected());
  if (req.expected_length != bytes || req.data_out.size() != bytes)
    return fail(sense_invalid_field_in_iu());
  if (r.blocks == 0) {
    ScsiResult ok;
    ok.wanted_out = 0;
    return done(std::move(ok));
  }
  Buffer medium = Buffer::allocate(bytes);
  Buffer data = req.data_out;
  const std::uint64_t off = r.lba * bs;
  const bool fua = r.fua || !wce_;
  io({IoOp::read, off, bytes, medium.data(), false},
     [this, medium, data, bytes, off, fua, done = std::move(done)](Status st) mutable {
       if (!st) return done(io_result(st, bytes, true));
       for (std::size_t i = 0; i < bytes; ++i) medium.data()[i] |= data.data()[i];
       io({IoOp::write, off, bytes, medium.data(), fua},
          [this, medium, bytes, done = std::move(done)](Status st2) mutable {
            done(io_result(st2, bytes));
          });
     });
}

void LogicalUnit::prefetch(ScsiRequest& req, ScsiDone done) {
  const Range r = decode_range(req.cdb);
  if (r.lba > blocks_ || r.blocks > blocks_ - r.lba) return done(check(sense_lba_out_of_range()));
  // Nothing is cached ahead of time: the data is "in cache" as far as the initiator can tell,
  // but claiming CONDITION MET would promise it; GOOD is the honest answer.
  done(ScsiResult{});
}

void LogicalUnit::synchronize_cache(ScsiRequest& req, ScsiDone done) {
  const Range r = decode_range(req.cdb);
  if (r.lba > blocks_ || r.blocks > blocks_ - r.lba) return done(check(sense_lba_out_of_range()));
  io({IoOp::flush, 0, 0, nullptr, false}, [this, done = std::move(done)](Status st) mutable {
    done(st ? ScsiResult{} : check({sense_key::kMediumError, 0x0C, 0x00}));
  });
}

void LogicalUnit::sanitize(ScsiRequest& req, ScsiDone done) {
  const auto& c = req.cdb;
  const std::uint8_t sa = c[1] & 0x1F;
  const std::size_t len = load_be16(&c[7]);
  auto fail = [&](const Sense& s) {
    ScsiResult e = check(s);
    e.wanted_out = static_cast<std::uint32_t>(len);
    done(std::move(e));
  };
  if (sa != 0x01 && sa != 0x02 && sa != 0x03 && sa != 0x1F)
    return fail(sense_invalid_field_in_cdb(1, 4));
  if (c[1] & 0x40) return fail(sense_invalid_field_in_cdb(1, 6));  // reserved
  for (std::uint16_t i = 2; i <= 6; ++i)
    if (c[i] != 0) return fail(sense_invalid_field_in_cdb(i));
  // BLOCK ERASE, CRYPTO ERASE and EXIT FAILURE MODE take no parameter list.
  if (sa != 0x01 && len != 0) return fail(sense_invalid_field_in_cdb(7));
  if (config_.read_only || swp_) return fail(sense_write_protected());
  const std::uint32_t bs = config_.block_size;
  Buffer chunk;
  if (sa == 0x01) {
    // OVERWRITE: header (INVERT, TEST, OWCOUNT; pattern length) then the pattern.
    if (len < 5 || len > bs + 4) return fail(sense_invalid_field_in_cdb(7));
    if (req.data_out.size() < len) return fail(sense_parameter_list_length_error());
    const auto* p = req.data_out.data();
    const std::size_t plen = load_be16(&p[2]);
    if ((p[0] & 0x1F) == 0) return fail(sense_invalid_field_in_parameter_list(0));  // OWCOUNT 0
    if ((p[0] & 0x60) != 0) return fail(sense_invalid_field_in_parameter_list(0));  // TEST
    if (plen == 0 || plen > bs || plen + 4 != len)
      return fail(sense_invalid_field_in_parameter_list(2));
    const std::uint64_t chunk_blocks = std::min<std::uint64_t>(blocks_, (1u << 20) / bs);
    chunk = Buffer::allocate(std::max<std::uint64_t>(chunk_blocks, 1) * bs);
    // The pattern repeats within each block. One pass is written, so INVERT (which alternates
    // passes) does not change the result.
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk.data()[i] = p[4 + (i % bs) % plen];
  }
  ScsiResult ok;
  ok.wanted_out = static_cast<std::uint32_t>(len);
  if (sa == 0x1F) return done(std::move(ok));  // not in a failure mode: nothing to exit
  sanitizing_ = true;
  auto finish_sanitize = [this, len, done = std::move(done)](Status st) mutable {
    sanitizing_ = false;
    ScsiResult res =
        st ? ScsiResult{} : check({sense_key::kMediumError, 0x31, 0x03});  // sanitize failed
    res.wanted_out = static_cast<std::uint32_t>(len);
    done(std::move(res));
  };
  const std::uint64_t bytes = blocks_ * bs;
  if (sa == 0x01 && config_.sanitize_rate != 0 && timers_)
    return fill_paced(0, bytes, std::move(chunk), config_.sanitize_rate,
                      std::move(finish_sanitize));
  if (sa == 0x01) return fill(0, bytes, chunk, true, std::move(finish_sanitize));
  // BLOCK ERASE / CRYPTO ERASE: deallocate everything (reads return zeros afterwards).
  io({backend_->supports_discard() ? IoOp::discard : IoOp::write_zeroes, 0, bytes, nullptr, true},
     std::move(finish_sanitize));
}

}  // namespace pb::iscsi
