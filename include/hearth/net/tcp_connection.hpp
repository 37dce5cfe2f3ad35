// One MQTT client over TCP: the mqtt::link the broker talks to, on Asio.
//
// Reading: the connection waits for readability with no buffer of its own,
// then reads non-blocking into the transport_context's shared buffer and
// decodes whole packets in place (mqtt::decode_fixed_header, then
// decode_packet), refusing a packet over max_packet_size after at most five
// bytes. Only an incomplete packet's bytes are kept between reads, and the
// write queue exists only while something is queued. An idle connection
// thus costs its socket, its timer, one pending wait of each, and this object.
//
// Writing: over a bounded mqtt::outbound_queue, with one write in progress
// at a time. Packets queued while a handler runs go out together at the end
// of the turn, as gather writes straight from the queue until the socket is
// full (then the connection waits for writability) or the turn's budget is
// spent. QoS 0 is refused past the soft limit; past the hard limit the
// connection is closed with errc::write_queue_overflow (posted, as nothing
// may call the broker from inside a broker->link call).
//
// Deadlines: one timer, armed from an mqtt::keepalive (connect deadline,
// then 1.5 x keepalive), and on close the bound on flushing what is queued.
//
// Lifetime: kept alive by its pending operations (enable_shared_from_this);
// broker::on_close is called exactly once, from a handler, when it ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/keepalive.hpp"
#include "hearth/mqtt/link.hpp"
#include "hearth/mqtt/outbound_queue.hpp"
#include "hearth/net/handler_memory.hpp"
#include "hearth/net/net.hpp"

namespace hearth::mqtt {
struct client;
}

namespace hearth {

class transport_context;

class tcp_connection final : public mqtt::link, public std::enable_shared_from_this<tcp_connection> {
public:
  static constexpr std::uint32_t no_index = std::numeric_limits<std::uint32_t>::max();

  tcp_connection(tcp_socket socket, transport_context& ctx);
  ~tcp_connection() override;

  // Registers with the broker and starts reading. Call once, on a shared_ptr.
  void run();

  // Ends the connection now, without flushing, and reports it to the broker
  // (server shutdown). Not for use from inside a broker->link call.
  void abort(std::error_code why);

  // mqtt::link
  void send(std::string_view bytes) override;
  bool send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool retain, bool dup,
                    std::uint16_t packet_id) override;
  void on_connected(std::uint16_t keepalive_seconds) override;
  void close(std::error_code why) override;
  bool backlogged() const override;
  void pause_reading() override;
  void resume_reading() override;
  std::string_view peer() const override { return peer_; }

private:
  friend class transport_context;  // registry_index_

  enum class state : std::uint8_t {
    open,     // reading and writing
    closing,  // the broker closed it: no more reading, flushing the queue
    closed,   // reported to the broker; waiting for pending operations to end
  };

  void do_wait_readable();
  void on_readable(const boost::system::error_code& ec);
  // Decodes what `in` completes; false once the connection stopped reading.
  bool consume(std::string_view in);
  // Keeps what a paused connection read but did not dispatch.
  void hold(std::string_view rest);
  // While paused: reads on, holding what arrives, and dispatches only the
  // acknowledgements and PINGREQs in it, so the client's own deliveries keep
  // draining (otherwise two clients that publish to each other could wait on
  // each other). Stops reading once paused_hold_limit bytes are held.
  void read_while_paused();
  bool dispatch_held_acks();
  static constexpr std::size_t paused_hold_limit = 64 * 1024;
  void on_resumed();
  bool dispatch(const mqtt::fixed_header& h, std::string_view body);
  bool refuse(std::error_code why);

  // The write queue, created on demand and freed whenever it drains.
  mqtt::outbound_queue& queue();
  void queued();
  void post_write();
  void do_write();
  void on_writable(const boost::system::error_code& ec);

  void arm_timer();
  void wait_timer();
  void on_timer(const boost::system::error_code& ec);

  void fail(const boost::system::error_code& ec, const char* what);
  // Closes the socket and reports the end to the broker, once.
  void finish(std::error_code why);

  // The sizes of the read wait and timer wait operations with Boost 1.81 on
  // x86-64 (measured); with another Boost a larger operation falls back to
  // the heap, costing memory but nothing else.
  static constexpr std::size_t wait_op_size = 104;
  static constexpr std::size_t timer_op_size = 88;

  transport_context& ctx_;
  tcp_socket socket_;
  steady_timer timer_;
  handler_memory<wait_op_size> wait_memory_;
  handler_memory<timer_op_size> timer_memory_;
  mqtt::client* client_ = nullptr;
  mqtt::keepalive keepalive_;
  std::unique_ptr<mqtt::outbound_queue> out_;  // null while nothing is queued
  std::unique_ptr<std::string> partial_;  // an incomplete packet's bytes, usually none
  std::string peer_;
  std::error_code close_reason_;
  std::uint32_t registry_index_ = no_index;
  state state_ = state::open;
  mutable bool backlog_seen_ = false;  // the broker saw backlogged(): tell it when drained
  bool paused_ = false;        // the broker asked us to stop dispatching (backpressure)
  bool resume_pending_ = false;  // on_resumed() is posted: it alone may touch the held bytes
  bool wait_pending_ = false;  // a wait for readability is in flight
  bool write_posted_ = false;
  bool waiting_writable_ = false;
  bool timer_armed_ = false;
  bool overflowed_ = false;
};

}  // namespace hearth
