// stream_connection over a WebSocket (proactor mode): the byte-stream
// adapter between the web server's message-based ws_link and the MQTT
// transport, and its one instantiation of the connection template.
#include "hearth/net/mqtt_ws.hpp"

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "tcp_connection_impl.hpp"

namespace hearth {

namespace {

// What the WebSocket delivered and the MQTT side has not read yet, shared by
// the endpoint (which the web server calls) and the stream (which the
// connection reads from). Everything runs on the one event loop.
struct ws_pipe {
  explicit ws_pipe(executor e) : ex(e) {}
  executor ex;
  web::ws_link* link = nullptr;  // null once the WebSocket has ended
  std::string remote;
  std::string in;
  bool eof = false;
  net::mutable_buffer read_buffer;
  std::function<void(const boost::system::error_code&, std::size_t)> pending_read;

  // Completes a waiting read with what is there (posted: never inline).
  void complete_read() {
    if (!pending_read) return;
    if (!in.empty()) {
      const std::size_t n = net::buffer_copy(read_buffer, net::buffer(in));
      in.erase(0, n);
      net::post(ex, [h = std::move(pending_read), n] { h({}, n); });
      pending_read = nullptr;
    } else if (eof) {
      net::post(ex, [h = std::move(pending_read)] { h(net::error::eof, 0); });
      pending_read = nullptr;
    }
  }
};

}  // namespace

// The stream contract of tcp_connection.hpp over a ws_pipe.
class ws_stream {
public:
  using executor_type = executor;
  explicit ws_stream(std::shared_ptr<ws_pipe> p) : p_(std::move(p)) {}

  executor_type get_executor() noexcept { return p_->ex; }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& b, Handler&& h) {
    auto handler = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(h));
    p_->read_buffer = *net::buffer_sequence_begin(b);
    p_->pending_read = [handler](const boost::system::error_code& ec, std::size_t n) { (*handler)(ec, n); };
    p_->complete_read();
  }

  // One binary WebSocket message per write; the web server's bounded queue
  // takes it whole, or refuses it and closes the WebSocket (1008).
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& b, Handler&& h) {
    std::string data(net::buffer_size(b), '\0');
    net::buffer_copy(net::buffer(data), b);
    std::size_t n = data.size();
    boost::system::error_code ec;
    if (!p_->link || !p_->link->send(std::move(data), true)) {
      ec = net::error::broken_pipe;
      n = 0;
    }
    net::post(p_->ex, [h = std::forward<Handler>(h), ec, n]() mutable { h(ec, n); });
  }

  tcp::endpoint remote_endpoint(boost::system::error_code& ec) const {
    // "127.0.0.1:5312" or "[::1]:5312"
    const std::string& r = p_->remote;
    const auto colon = r.rfind(':');
    if (colon == std::string::npos) {
      ec = net::error::invalid_argument;
      return {};
    }
    std::string host = r.substr(0, colon);
    if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
    const auto addr = net::ip::make_address(host, ec);
    if (ec) return {};
    return {addr, static_cast<unsigned short>(std::stoul(r.substr(colon + 1)))};
  }

  void close() {
    if (p_->link) p_->link->close(1000);
    p_->eof = true;
    p_->complete_read();
  }

private:
  std::shared_ptr<ws_pipe> p_;
};

template class stream_connection<ws_stream>;

namespace {

class mqtt_ws_endpoint : public web::ws_endpoint {
public:
  mqtt_ws_endpoint(transport_context& ctx, executor ex, std::size_t max_buffered)
      : ctx_(ctx), pipe_(std::make_shared<ws_pipe>(ex)), max_buffered_(max_buffered) {}

  void on_open(web::ws_link& l) override {
    pipe_->link = &l;
    pipe_->remote = l.remote();
    std::make_shared<stream_connection<ws_stream>>(ws_stream(pipe_), ctx_)->run();
  }

  void on_frame(web::ws_link& l, std::string&& data, bool binary) override {
    // MQTT travels in binary messages only [MQTT-6.0.0-1]: anything else
    // closes the connection (1003, unsupported data).
    if (!binary) {
      l.close(1003);
      return;
    }
    if (pipe_->in.size() + data.size() > max_buffered_) {
      l.close(1008);
      return;
    }
    pipe_->in += data;
    pipe_->complete_read();
  }

  void on_close(web::ws_link&) override {
    pipe_->link = nullptr;
    pipe_->eof = true;
    pipe_->complete_read();
  }

private:
  transport_context& ctx_;
  std::shared_ptr<ws_pipe> pipe_;
  std::size_t max_buffered_;
};

bool lists_token(std::string_view list, std::string_view token) {
  std::size_t pos = 0;
  while (pos <= list.size()) {
    auto end = list.find(',', pos);
    if (end == std::string_view::npos) end = list.size();
    auto item = list.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == token) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

void mount_mqtt_websocket(web::router& r, transport_context& ctx, executor ex, std::size_t max_buffered) {
  r.add_websocket("/mqtt", [&ctx, ex, max_buffered](const web::http_request& req)
                               -> std::variant<web::http_response, web::ws_accept> {
    web::ws_accept a;
    a.endpoint = std::make_shared<mqtt_ws_endpoint>(ctx, ex, max_buffered);
    const std::string protocols = req.header("sec-websocket-protocol");
    if (lists_token(protocols, "mqtt")) a.subprotocol = "mqtt";
    else if (lists_token(protocols, "mqttv3.1")) a.subprotocol = "mqttv3.1";
    a.max_frame = max_buffered;
    return a;
  });
}

}  // namespace hearth
