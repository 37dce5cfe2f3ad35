// One server-side WebSocket (plain or TLS) running a ws_endpoint: whole
// messages in, a bounded queue of frames out with one write in flight, and
// the closing handshake after what is queued. A message over the route's
// max_frame closes with 1009 (Beast's read limit); a full queue with 1008.
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>

#include "beast_glue.hpp"

namespace hearth::web::detail {

namespace {

namespace websocket = beast::websocket;

template <class Stream>
class ws_session : public ws_link, public closable, public std::enable_shared_from_this<ws_session<Stream>> {
public:
  ws_session(Stream&& s, ws_accept&& a, std::shared_ptr<server_state> state, std::string remote)
      : ws_(std::move(s)), accept_(std::move(a)), state_(std::move(state)), remote_(std::move(remote)) {
    state_->live.insert(this);
  }
  ~ws_session() override { state_->live.erase(this); }

  void run(beast_request&& req) {
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket's own timeouts apply
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = state_->limits.request_timeout;
    ws_.set_option(timeouts);
    ws_.read_message_max(accept_.max_frame);
    ws_.set_option(websocket::stream_base::decorator([proto = accept_.subprotocol](websocket::response_type& res) {
      if (!proto.empty()) res.set(http::field::sec_websocket_protocol, proto);
    }));
    ws_.async_accept(req, [self = this->shared_from_this()](const boost::system::error_code& ec) {
      if (ec) {
        self->state_->log.debug() << "websocket " << self->remote_ << ": handshake: " << ec.message();
        self->closed_ = true;
        return;
      }
      self->open_ = true;
      self->accept_.endpoint->on_open(*self);
      self->read();
    });
  }

  bool send(std::string data, bool binary) override {
    if (closing_ || closed_) return false;
    if (queue_.size() >= state_->limits.ws_max_queued_frames ||
        queued_bytes_ + data.size() > state_->limits.ws_max_queued_bytes) {
      state_->log.info() << "websocket " << remote_ << ": write queue full, closing";
      close(1008);
      return false;
    }
    queued_bytes_ += data.size();
    queue_.push_back(frame{std::move(data), binary});
    if (!writing_) write();
    return true;
  }

  void close(std::uint16_t code) override {
    if (closing_ || closed_) return;
    closing_ = true;
    close_code_ = code;
    if (!writing_) send_close();
  }

  std::size_t queued_bytes() const override { return queued_bytes_; }
  const std::string& remote() const override { return remote_; }

  void shutdown() override {
    if (closed_) return;
    queue_.clear();
    queued_bytes_ = 0;
    close(1001);  // going away
  }

private:
  struct frame {
    std::string data;
    bool binary;
  };

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      if (ec) return self->finish(ec);
      std::string data = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (!self->closed_) self->accept_.endpoint->on_frame(*self, std::move(data), !self->ws_.got_text());
      if (!self->closed_) self->read();
    });
  }

  void write() {
    writing_ = true;
    ws_.binary(queue_.front().binary);
    ws_.async_write(net::buffer(queue_.front().data),
                    [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) return self->finish(ec);
                      if (!self->queue_.empty()) {
                        self->queued_bytes_ -= self->queue_.front().data.size();
                        self->queue_.pop_front();
                      }
                      if (!self->queue_.empty()) return self->write();
                      if (self->closing_) self->send_close();
                    });
  }

  void send_close() {
    if (closed_ || close_sent_) return;
    close_sent_ = true;
    ws_.async_close(websocket::close_reason(close_code_),
                    [self = this->shared_from_this()](const boost::system::error_code& ec) {
                      if (ec) self->finish(ec);
                      // Otherwise the pending read ends when the peer's close arrives.
                    });
  }

  void finish(const boost::system::error_code& ec) {
    if (closed_) return;
    closed_ = true;
    if (ec && ec != websocket::error::closed && ec != net::error::eof && ec != net::error::operation_aborted)
      state_->log.debug() << "websocket " << remote_ << ": " << ec.message();
    queue_.clear();
    queued_bytes_ = 0;
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (open_) accept_.endpoint->on_close(*this);
  }

  websocket::stream<Stream> ws_;
  ws_accept accept_;
  std::shared_ptr<server_state> state_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::deque<frame> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint16_t close_code_ = 1000;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool closed_ = false;
};

}  // namespace

template <class Stream>
void run_websocket(Stream&& s, beast_request&& req, ws_accept&& accept, const std::shared_ptr<server_state>& state,
                   std::string remote) {
  std::make_shared<ws_session<Stream>>(std::move(s), std::move(accept), state, std::move(remote))->run(std::move(req));
}

template void run_websocket<plain_stream>(plain_stream&&, beast_request&&, ws_accept&&,
                                          const std::shared_ptr<server_state>&, std::string);
template void run_websocket<tls_stream>(tls_stream&&, beast_request&&, ws_accept&&,
                                        const std::shared_ptr<server_state>&, std::string);

}  // namespace hearth::web::detail
