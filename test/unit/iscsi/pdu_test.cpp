#include "elements/iscsi/core/pdu.hpp"

#include <catch2/catch.hpp>

using namespace pb::iscsi;

namespace {
template <typename T>
void round_trip(const T& v, Opcode op) {
  const Bhs h = v.encode();
  CHECK((h.b[0] & 0x3F) == static_cast<std::uint8_t>(op));
  CHECK(T::decode(h) == v);
  CHECK(T::decode(h).encode() == h);
}
}  // namespace

TEST_CASE("every PDU type round-trips through its BHS", "[iscsi][pdu]") {
  NopOut nop_out{true, 0x0001000000000000ull, 0x11, 0x22, 0x33, 0x44};
  round_trip(nop_out, Opcode::nop_out);
  CHECK(nop_out.encode().b[0] == 0x40);
  CHECK(nop_out.encode().b[1] == 0x80);

  ScsiCommand cmd;
  cmd.immediate = false;
  cmd.final = true;
  cmd.read = true;
  cmd.write = false;
  cmd.attr = 2;
  cmd.lun = 0x0002000000000000ull;
  cmd.itt = 0xdeadbeef;
  cmd.expected_data_length = 4096;
  cmd.cmd_sn = 7;
  cmd.exp_stat_sn = 9;
  cmd.cdb = {0x28, 0, 0, 0, 0, 0x10, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0};
  round_trip(cmd, Opcode::scsi_command);
  const Bhs ch = cmd.encode();
  CHECK(ch.b[1] == 0xC2);
  CHECK(ch.b[32] == 0x28);
  CHECK(ch.b[23] == 0x00);
  CHECK(ch.b[22] == 0x10);

  round_trip(TaskMgmtRequest{true, 5, 0x0003000000000000ull, 1, 2, 3, 4, 5, 6},
             Opcode::task_mgmt_request);
  CHECK(TaskMgmtRequest{true, 1, 0, 1, 2, 3, 4, 5, 6}.encode().b[1] == 0x81);

  LoginRequest login;
  login.transit = true;
  login.cont = false;
  login.csg = 1;
  login.nsg = 3;
  login.version_max = 0;
  login.version_min = 0;
  login.isid = {0x80, 1, 2, 3, 4, 5};
  login.tsih = 0x1234;
  login.itt = 0x10;
  login.cid = 0x55;
  login.cmd_sn = 100;
  login.exp_stat_sn = 200;
  round_trip(login, Opcode::login_request);
  CHECK(login.encode().b[0] == 0x43);
  CHECK(login.encode().b[1] == 0x87);

  round_trip(TextRequest{true, true, false, 0, 0x77, kReservedTag, 3, 4}, Opcode::text_request);
  round_trip(DataOut{true, 0x0001000000000000ull, 9, 10, 11, 12, 8192}, Opcode::scsi_data_out);
  round_trip(LogoutRequest{true, 1, 0x99, 7, 8, 9}, Opcode::logout_request);
  round_trip(SnackRequest{1, 0, 2, 3, 4, 5, 6}, Opcode::snack_request);

  round_trip(NopIn{0, 1, 2, 3, 4, 5}, Opcode::nop_in);

  ScsiResponse rsp;
  rsp.bidi_overflow = true;
  rsp.underflow = true;
  rsp.response = 0;
  rsp.status = 2;
  rsp.itt = 5;
  rsp.snack_tag = 6;
  rsp.stat_sn = 7;
  rsp.exp_cmd_sn = 8;
  rsp.max_cmd_sn = 9;
  rsp.exp_data_sn = 10;
  rsp.bidi_residual = 11;
  rsp.residual = 12;
  round_trip(rsp, Opcode::scsi_response);
  CHECK(rsp.encode().b[1] == (0x80 | 0x10 | 0x02));

  round_trip(TaskMgmtResponse{1, 2, 3, 4, 5}, Opcode::task_mgmt_response);

  LoginResponse lr;
  lr.transit = true;
  lr.csg = 0;
  lr.nsg = 1;
  lr.isid = {1, 2, 3, 4, 5, 6};
  lr.tsih = 3;
  lr.itt = 4;
  lr.stat_sn = 5;
  lr.exp_cmd_sn = 6;
  lr.max_cmd_sn = 7;
  lr.status_class = 2;
  lr.status_detail = 1;
  round_trip(lr, Opcode::login_response);
  CHECK(lr.encode().b[36] == 2);
  CHECK(lr.encode().b[37] == 1);

  round_trip(TextResponse{false, true, 0, 1, 2, 3, 4, 5}, Opcode::text_response);

  DataIn din;
  din.final = true;
  din.has_status = true;
  din.underflow = true;
  din.status = 0;
  din.lun = 1;
  din.itt = 2;
  din.stat_sn = 3;
  din.exp_cmd_sn = 4;
  din.max_cmd_sn = 5;
  din.data_sn = 6;
  din.buffer_offset = 7;
  din.residual = 8;
  round_trip(din, Opcode::scsi_data_in);
  CHECK(din.encode().b[1] == 0x83);

  round_trip(LogoutResponse{0, 1, 2, 3, 4, 2, 20}, Opcode::logout_response);
  round_trip(R2t{1, 2, 3, 4, 5, 6, 7, 8, 9}, Opcode::r2t);
  round_trip(AsyncMessage{1, 2, 3, 4, 1, 0, 5, 6, 7}, Opcode::async_message);
  round_trip(Reject{4, 1, 2, 3, 0}, Opcode::reject);
  CHECK(Reject{4, 1, 2, 3, 0}.encode().itt() == kReservedTag);
}

TEST_CASE("BHS common fields", "[iscsi][pdu]") {
  Bhs h;
  h.set_data_segment_length(0x123456);
  h.set_ahs_length(8);
  CHECK(h.b[5] == 0x12);
  CHECK(h.b[6] == 0x34);
  CHECK(h.b[7] == 0x56);
  CHECK(h.b[4] == 2);
  CHECK(h.data_segment_length() == 0x123456u);
  CHECK(h.ahs_length() == 8);
}

TEST_CASE("opcode classification", "[iscsi][pdu]") {
  int initiator = 0;
  int target = 0;
  for (int op = 0; op < 64; ++op) {
    initiator += is_initiator_opcode(static_cast<std::uint8_t>(op));
    target += is_target_opcode(static_cast<std::uint8_t>(op));
    CHECK(!(is_initiator_opcode(static_cast<std::uint8_t>(op)) &&
            is_target_opcode(static_cast<std::uint8_t>(op))));
  }
  CHECK(initiator == 8);
  CHECK(target == 10);
  CHECK(std::string(opcode_name(0x01)) == "SCSI Command");
  CHECK(std::string(opcode_name(0x1c)) == "unknown");
}
