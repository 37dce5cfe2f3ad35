// hearth-bench's client engine: every connection of a run on one thread and
// one epoll loop, with no MQTT client library (the pure codec of
// hearth/mqtt/codec.hpp encodes and decodes).
//
// Why it is never the bottleneck: publishers encode PUBLISH packets straight
// into their send buffers (header by encode_publish_header, then the payload
// template and the stamp) and send up to 64 KiB per write; subscribers read
// up to 256 KiB per read() into one shared buffer and answer all acks of a
// read in one write; nothing is allocated per message.
//
// In e2e mode the subscriber is a Socket.IO client of hearthd instead
// (engine_sio.cpp): WebSocket upgrade, Engine.IO open, Socket.IO CONNECT with
// the API token, then `reading` events whose value is the sequence number
// the publisher put in the reading; the send times stay in sent_ns_.
//
// A run goes connect -> warm-up -> measurement -> drain: publishers stop at
// the end of the measurement, and the drain waits for the stragglers (until
// every message is accounted for, or `drain` seconds pass without progress)
// so that loss is counted on the whole run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hearth/bench/id_pool.hpp"
#include "hearth/bench/options.hpp"
#include "hearth/bench/poller.hpp"
#include "hearth/bench/result.hpp"
#include "hearth/bench/stats.hpp"
#include "hearth/bench/ws_client.hpp"
#include "hearth/mqtt/packet.hpp"

struct sockaddr_storage;

namespace hearth::bench {

class engine {
public:
  explicit engine(const options& o);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Runs the whole scenario; failures are reported in run_result::error.
  run_result run();

private:
  static constexpr std::size_t publish_batch_bytes = 64 * 1024;  // per write of a publisher

  enum class role : std::uint8_t { publisher, subscriber, idle };
  enum class state : std::uint8_t {
    unopened, connecting, awaiting_connack, awaiting_suback,
    awaiting_upgrade, awaiting_open, awaiting_sio_connect,  // e2e's Socket.IO client
    ready, closed
  };
  enum class phase : std::uint8_t { setup, warmup, measuring, draining, done };

  struct connection {
    int fd = -1;
    role kind = role::idle;
    state st = state::unopened;
    std::uint32_t index = 0;   // publisher id, subscriber index or idle index
    std::uint32_t mask = 0;    // events registered with epoll
    bool dirty = false;        // queued in dirty_ for a flush this turn
    std::string tail;          // a partial packet left over from the last read
    std::string tx;            // bytes to send, from tx_off on
    std::size_t tx_off = 0;
    bool websocket = false;    // e2e's Socket.IO client
    std::string message;       // a fragmented WebSocket message so far
  };

  struct publisher {
    std::string topic;
    id_pool ids;
    std::uint64_t next_seq = 0;  // = messages produced
    std::uint64_t acked = 0;
  };

  // engine.cpp: the phases
  void setup_connections();
  void run_traffic(run_result& r);
  void run_idle(run_result& r);
  bool drain_complete() const;
  void set_phase(phase p);
  void finish(run_result& r);
  void loop_once(std::uint64_t deadline_ns);

  // engine_io.cpp: sockets
  void open(connection& c);
  void on_event(connection& c, std::uint32_t events);
  void on_connected(connection& c);
  void read_from(connection& c);
  void flush(connection& c);
  void mark_dirty(connection& c);
  void flush_dirty();
  void update_interest(connection& c);
  void drop(connection& c, const char* why);
  void fail(std::string why);

  // engine_sio.cpp: e2e's Socket.IO client over WebSocket
  void ws_start(connection& c);
  void ws_read(connection& c);
  void ws_send(connection& c, ws::opcode op, std::string_view payload);
  void on_ws_message(connection& c, std::string_view text, std::uint64_t now_ns);
  void on_reading(std::uint64_t seq, std::uint64_t now_ns);

  // engine_mqtt.cpp: packets
  void handle(connection& c, const mqtt::packet& p, std::uint64_t now_ns);
  void on_publish(connection& c, const mqtt::publish_packet& p, std::uint64_t now_ns);
  void on_ack(connection& c, const mqtt::ack_packet& a);
  std::uint64_t produce(connection& c, std::uint64_t max_messages);
  void pace(std::uint64_t now_ns);
  std::uint64_t next_due_ns() const;
  bool wants_to_produce(const connection& c) const;

  options opts_;
  poller poller_;
  std::unique_ptr<sockaddr_storage> addr_;
  unsigned addr_len_ = 0;
  std::unique_ptr<sockaddr_storage> web_addr_;  // e2e: hearthd's HTTP listener
  unsigned web_addr_len_ = 0;
  std::string ws_key_;
  std::uint32_t ws_mask_ = 0;
  std::vector<std::uint64_t> sent_ns_;      // e2e: send time by sequence number
  std::string reading_;                     // e2e: payload scratch
  std::vector<connection> conns_;
  std::vector<publisher> pubs_;
  std::vector<sequence_tracker> trackers_;  // [subscriber * publishers + publisher]
  std::vector<connection*> dirty_;
  std::string scratch_;                     // shared read buffer
  mqtt::packet packet_;                     // decoded in place, reused
  std::string filler_;                      // payload template, the stamp is written over its start
  std::size_t max_packet_ = 0;
  phase phase_ = phase::setup;
  std::string error_;
  std::uint32_t pending_setup_ = 0;         // connections opened and not yet ready
  std::uint32_t ready_ = 0;
  std::uint32_t next_to_open_ = 0;
  // counters over the run
  std::uint64_t sent_total_ = 0;
  std::uint64_t delivered_total_ = 0;
  std::uint64_t malformed_ = 0;
  std::uint64_t protocol_errors_ = 0;
  std::uint64_t disconnects_ = 0;
  std::uint64_t last_progress_ns_ = 0;
  std::uint64_t produce_start_ns_ = 0;
  latency_histogram latency_;
};

}  // namespace hearth::bench
