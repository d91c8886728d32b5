#include "elements/iscsi/core/pdu.hpp"

#include <algorithm>

namespace pb::iscsi {
namespace {

// Byte 0 carries the opcode and, for initiator PDUs, the Immediate bit.
Bhs start(Opcode op, bool immediate = false) {
  Bhs h;
  h.b[0] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(op) | (immediate ? 0x40 : 0));
  return h;
}

std::uint32_t u32(const Bhs& h, std::size_t off) {
  return load_be32(&h.b[off]);
}
void put32(Bhs& h, std::size_t off, std::uint32_t v) {
  store_be32(&h.b[off], v);
}
std::uint16_t u16(const Bhs& h, std::size_t off) {
  return static_cast<std::uint16_t>(load_be16(&h.b[off]));
}
void put16(Bhs& h, std::size_t off, std::uint32_t v) {
  store_be16(&h.b[off], v);
}
std::uint64_t u64(const Bhs& h, std::size_t off) {
  return load_be64(&h.b[off]);
}
void put64(Bhs& h, std::size_t off, std::uint64_t v) {
  store_be64(&h.b[off], v);
}
bool bit(const Bhs& h, std::size_t byte, std::uint8_t mask) {
  return (h.b[byte] & mask) != 0;
}
std::uint8_t flag(bool v, std::uint8_t mask) {
  return v ? mask : 0;
}

}  // namespace

bool is_initiator_opcode(std::uint8_t op) {
  switch (static_cast<Opcode>(op)) {
    case Opcode::nop_out:
    case Opcode::scsi_command:
    case Opcode::task_mgmt_request:
    case Opcode::login_request:
    case Opcode::text_request:
    case Opcode::scsi_data_out:
    case Opcode::logout_request:
    case Opcode::snack_request:
      return true;
    default:
      return false;
  }
}

bool is_target_opcode(std::uint8_t op) {
  switch (static_cast<Opcode>(op)) {
    case Opcode::nop_in:
    case Opcode::scsi_response:
    case Opcode::task_mgmt_response:
    case Opcode::login_response:
    case Opcode::text_response:
    case Opcode::scsi_data_in:
    case Opcode::logout_response:
    case Opcode::r2t:
    case Opcode::async_message:
    case Opcode::reject:
      return true;
    default:
      return false;
  }
}

const char* opcode_name(std::uint8_t op) {
  switch (static_cast<Opcode>(op)) {
    case Opcode::nop_out:
      return "NOP-Out";
    case Opcode::scsi_command:
      return "SCSI Command";
    case Opcode::task_mgmt_request:
      return "Task Management Request";
    case Opcode::login_request:
      return "Login Request";
    case Opcode::text_request:
      return "Text Request";
    case Opcode::scsi_data_out:
      return "SCSI Data-Out";
    case Opcode::logout_request:
      return "Logout Request";
    case Opcode::snack_request:
      return "SNACK Request";
    case Opcode::nop_in:
      return "NOP-In";
    case Opcode::scsi_response:
      return "SCSI Response";
    case Opcode::task_mgmt_response:
      return "Task Management Response";
    case Opcode::login_response:
      return "Login Response";
    case Opcode::text_response:
      return "Text Response";
    case Opcode::scsi_data_in:
      return "SCSI Data-In";
    case Opcode::logout_response:
      return "Logout Response";
    case Opcode::r2t:
      return "R2T";
    case Opcode::async_message:
      return "Asynchronous Message";
    case Opcode::reject:
      return "Reject";
  }
  return "unknown";
}

// ---- initiator PDUs ----------------------------------------------------------------------------

NopOut NopOut::decode(const Bhs& h) {
  return {h.immediate(), u64(h, 8), u32(h, 16), u32(h, 20), u32(h, 24), u32(h, 28)};
}
Bhs NopOut::encode() const {
  Bhs h = start(Opcode::nop_out, immediate);
  h.b[1] = 0x80;
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 24, cmd_sn);
  put32(h, 28, exp_stat_sn);
  return h;
}

ScsiCommand ScsiCommand::decode(const Bhs& h) {
  ScsiCommand c;
  c.immediate = h.immediate();
  c.final = bit(h, 1, 0x80);
  c.read = bit(h, 1, 0x40);
  c.write = bit(h, 1, 0x20);
  c.attr = h.b[1] & 0x07;
  c.lun = u64(h, 8);
  c.itt = u32(h, 16);
  c.expected_data_length = u32(h, 20);
  c.cmd_sn = u32(h, 24);
  c.exp_stat_sn = u32(h, 28);
  std::copy_n(&h.b[32], 16, c.cdb.begin());
  return c;
}
Bhs ScsiCommand::encode() const {
  Bhs h = start(Opcode::scsi_command, immediate);
  h.b[1] = flag(final, 0x80) | flag(read, 0x40) | flag(write, 0x20) | (attr & 0x07);
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, expected_data_length);
  put32(h, 24, cmd_sn);
  put32(h, 28, exp_stat_sn);
  std::copy(cdb.begin(), cdb.end(), &h.b[32]);
  return h;
}

TaskMgmtRequest TaskMgmtRequest::decode(const Bhs& h) {
  return {h.immediate(), static_cast<std::uint8_t>(h.b[1] & 0x7F),
          u64(h, 8),     u32(h, 16),
          u32(h, 20),    u32(h, 24),
          u32(h, 28),    u32(h, 32),
          u32(h, 36)};
}
Bhs TaskMgmtRequest::encode() const {
  Bhs h = start(Opcode::task_mgmt_request, immediate);
  h.b[1] = static_cast<std::uint8_t>(0x80 | (function & 0x7F));
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, referenced_task_tag);
  put32(h, 24, cmd_sn);
  put32(h, 28, exp_stat_sn);
  put32(h, 32, ref_cmd_sn);
  put32(h, 36, exp_data_sn);
  return h;
}

LoginRequest LoginRequest::decode(const Bhs& h) {
  LoginRequest r;
  r.transit = bit(h, 1, 0x80);
  r.cont = bit(h, 1, 0x40);
  r.csg = (h.b[1] >> 2) & 3;
  r.nsg = h.b[1] & 3;
  r.version_max = h.b[2];
  r.version_min = h.b[3];
  std::copy_n(&h.b[8], 6, r.isid.begin());
  r.tsih = u16(h, 14);
  r.itt = u32(h, 16);
  r.cid = u16(h, 20);
  r.cmd_sn = u32(h, 24);
  r.exp_stat_sn = u32(h, 28);
  return r;
}
Bhs LoginRequest::encode() const {
  Bhs h = start(Opcode::login_request, true);  // a Login Request always has I set
  h.b[1] = static_cast<std::uint8_t>(flag(transit, 0x80) | flag(cont, 0x40) | (csg & 3) << 2 |
                                     (nsg & 3));
  h.b[2] = version_max;
  h.b[3] = version_min;
  std::copy(isid.begin(), isid.end(), &h.b[8]);
  put16(h, 14, tsih);
  put32(h, 16, itt);
  put16(h, 20, cid);
  put32(h, 24, cmd_sn);
  put32(h, 28, exp_stat_sn);
  return h;
}

TextRequest TextRequest::decode(const Bhs& h) {
  return {h.immediate(), bit(h, 1, 0x80), bit(h, 1, 0x40), u64(h, 8),
          u32(h, 16),    u32(h, 20),      u32(h, 24),      u32(h, 28)};
}
Bhs TextRequest::encode() const {
  Bhs h = start(Opcode::text_request, immediate);
  h.b[1] = flag(final, 0x80) | flag(cont, 0x40);
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 24, cmd_sn);
  put32(h, 28, exp_stat_sn);
  return h;
}

DataOut DataOut::decode(const Bhs& h) {
  return {bit(h, 1, 0x80), u64(h, 8), u32(h, 16), u32(h, 20), u32(h, 28), u32(h, 36), u32(h, 40)};
}
Bhs DataOut::encode() const {
  Bhs h = start(Opcode::scsi_data_out);
  h.b[1] = flag(final, 0x80);
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 28, exp_stat_sn);
  put32(h, 36, data_sn);
  put32(h, 40, buffer_offset);
  return h;
}

LogoutRequest LogoutRequest::decode(const Bhs& h) {
  return {h.immediate(), static_cast<std::uint8_t>(h.b[1] & 0x7F),
          u32(h, 16),    u16(h, 20),
          u32(h, 24),    u32(h, 28)};
}
Bhs LogoutRequest::encode() const {
  Bhs h = start(Opcode::logout_request, immediate);
  h.b[1] = static_cast<std::uint8_t>(0x80 | (reason & 0x7F));
  put32(h, 16, itt);
  put16(h, 20, cid);
  put32(h, 24, cmd_sn);
  put32(h, 28, exp_stat_sn);
  return h;
}

SnackRequest SnackRequest::decode(const Bhs& h) {
  return {static_cast<std::uint8_t>(h.b[1] & 0x0F),
          u64(h, 8),
          u32(h, 16),
          u32(h, 20),
          u32(h, 28),
          u32(h, 40),
          u32(h, 44)};
}
Bhs SnackRequest::encode() const {
  Bhs h = start(Opcode::snack_request);
  h.b[1] = static_cast<std::uint8_t>(0x80 | (type & 0x0F));
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 28, exp_stat_sn);
  put32(h, 40, beg_run);
  put32(h, 44, run_length);
  return h;
}

// ---- target PDUs -------------------------------------------------------------------------------

NopIn NopIn::decode(const Bhs& h) {
  return {u64(h, 8), u32(h, 16), u32(h, 20), u32(h, 24), u32(h, 28), u32(h, 32)};
}
Bhs NopIn::encode() const {
  Bhs h = start(Opcode::nop_in);
  h.b[1] = 0x80;
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  return h;
}

ScsiResponse ScsiResponse::decode(const Bhs& h) {
  ScsiResponse r;
  r.bidi_overflow = bit(h, 1, 0x10);
  r.bidi_underflow = bit(h, 1, 0x08);
  r.overflow = bit(h, 1, 0x04);
  r.underflow = bit(h, 1, 0x02);
  r.response = h.b[2];
  r.status = h.b[3];
  r.itt = u32(h, 16);
  r.snack_tag = u32(h, 20);
  r.stat_sn = u32(h, 24);
  r.exp_cmd_sn = u32(h, 28);
  r.max_cmd_sn = u32(h, 32);
  r.exp_data_sn = u32(h, 36);
  r.bidi_residual = u32(h, 40);
  r.residual = u32(h, 44);
  return r;
}
Bhs ScsiResponse::encode() const {
  Bhs h = start(Opcode::scsi_response);
  h.b[1] = 0x80 | flag(bidi_overflow, 0x10) | flag(bidi_underflow, 0x08) | flag(overflow, 0x04) |
           flag(underflow, 0x02);
  h.b[2] = response;
  h.b[3] = status;
  put32(h, 16, itt);
  put32(h, 20, snack_tag);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  put32(h, 36, exp_data_sn);
  put32(h, 40, bidi_residual);
  put32(h, 44, residual);
  return h;
}

TaskMgmtResponse TaskMgmtResponse::decode(const Bhs& h) {
  return {h.b[2], u32(h, 16), u32(h, 24), u32(h, 28), u32(h, 32)};
}
Bhs TaskMgmtResponse::encode() const {
  Bhs h = start(Opcode::task_mgmt_response);
  h.b[1] = 0x80;
  h.b[2] = response;
  put32(h, 16, itt);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  return h;
}

LoginResponse LoginResponse::decode(const Bhs& h) {
  LoginResponse r;
  r.transit = bit(h, 1, 0x80);
  r.cont = bit(h, 1, 0x40);
  r.csg = (h.b[1] >> 2) & 3;
  r.nsg = h.b[1] & 3;
  r.version_max = h.b[2];
  r.version_active = h.b[3];
  std::copy_n(&h.b[8], 6, r.isid.begin());
  r.tsih = u16(h, 14);
  r.itt = u32(h, 16);
  r.stat_sn = u32(h, 24);
  r.exp_cmd_sn = u32(h, 28);
  r.max_cmd_sn = u32(h, 32);
  r.status_class = h.b[36];
  r.status_detail = h.b[37];
  return r;
}
Bhs LoginResponse::encode() const {
  Bhs h = start(Opcode::login_response);
  h.b[1] = static_cast<std::uint8_t>(flag(transit, 0x80) | flag(cont, 0x40) | (csg & 3) << 2 |
                                     (nsg & 3));
  h.b[2] = version_max;
  h.b[3] = version_active;
  std::copy(isid.begin(), isid.end(), &h.b[8]);
  put16(h, 14, tsih);
  put32(h, 16, itt);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  h.b[36] = status_class;
  h.b[37] = status_detail;
  return h;
}

TextResponse TextResponse::decode(const Bhs& h) {
  return {bit(h, 1, 0x80), bit(h, 1, 0x40), u64(h, 8),  u32(h, 16),
          u32(h, 20),      u32(h, 24),      u32(h, 28), u32(h, 32)};
}
Bhs TextResponse::encode() const {
  Bhs h = start(Opcode::text_response);
  h.b[1] = flag(final, 0x80) | flag(cont, 0x40);
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  return h;
}

DataIn DataIn::decode(const Bhs& h) {
  DataIn d;
  d.final = bit(h, 1, 0x80);
  d.ack = bit(h, 1, 0x40);
  d.overflow = bit(h, 1, 0x04);
  d.underflow = bit(h, 1, 0x02);
  d.has_status = bit(h, 1, 0x01);
  d.status = h.b[3];
  d.lun = u64(h, 8);
  d.itt = u32(h, 16);
  d.ttt = u32(h, 20);
  d.stat_sn = u32(h, 24);
  d.exp_cmd_sn = u32(h, 28);
  d.max_cmd_sn = u32(h, 32);
  d.data_sn = u32(h, 36);
  d.buffer_offset = u32(h, 40);
  d.residual = u32(h, 44);
  return d;
}
Bhs DataIn::encode() const {
  Bhs h = start(Opcode::scsi_data_in);
  h.b[1] = flag(final, 0x80) | flag(ack, 0x40) | flag(overflow, 0x04) | flag(underflow, 0x02) |
           flag(has_status, 0x01);
  h.b[3] = status;
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  put32(h, 36, data_sn);
  put32(h, 40, buffer_offset);
  put32(h, 44, residual);
  return h;
}

LogoutResponse LogoutResponse::decode(const Bhs& h) {
  return {h.b[2], u32(h, 16), u32(h, 24), u32(h, 28), u32(h, 32), u16(h, 40), u16(h, 42)};
}
Bhs LogoutResponse::encode() const {
  Bhs h = start(Opcode::logout_response);
  h.b[1] = 0x80;
  h.b[2] = response;
  put32(h, 16, itt);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  put16(h, 40, time2wait);
  put16(h, 42, time2retain);
  return h;
}

R2t R2t::decode(const Bhs& h) {
  return {u64(h, 8),  u32(h, 16), u32(h, 20), u32(h, 24), u32(h, 28),
          u32(h, 32), u32(h, 36), u32(h, 40), u32(h, 44)};
}
Bhs R2t::encode() const {
  Bhs h = start(Opcode::r2t);
  h.b[1] = 0x80;
  put64(h, 8, lun);
  put32(h, 16, itt);
  put32(h, 20, ttt);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  put32(h, 36, r2t_sn);
  put32(h, 40, buffer_offset);
  put32(h, 44, desired_length);
  return h;
}

AsyncMessage AsyncMessage::decode(const Bhs& h) {
  return {u64(h, 8), u32(h, 24), u32(h, 28), u32(h, 32), h.b[36],
          h.b[37],   u16(h, 38), u16(h, 40), u16(h, 42)};
}
Bhs AsyncMessage::encode() const {
  Bhs h = start(Opcode::async_message);
  h.b[1] = 0x80;
  put64(h, 8, lun);
  put32(h, 16, kReservedTag);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  h.b[36] = event;
  h.b[37] = vcode;
  put16(h, 38, parameter1);
  put16(h, 40, parameter2);
  put16(h, 42, parameter3);
  return h;
}

Reject Reject::decode(const Bhs& h) {
  return {h.b[2], u32(h, 24), u32(h, 28), u32(h, 32), u32(h, 36)};
}
Bhs Reject::encode() const {
  Bhs h = start(Opcode::reject);
  h.b[1] = 0x80;
  h.b[2] = reason;
  put32(h, 16, kReservedTag);
  put32(h, 24, stat_sn);
  put32(h, 28, exp_cmd_sn);
  put32(h, 32, max_cmd_sn);
  put32(h, 36, data_sn);
  return h;
}

}  // namespace pb::iscsi
