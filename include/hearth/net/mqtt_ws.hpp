// MQTT over WebSocket at /mqtt (subprotocol "mqtt"), on the web listeners.
//
// Browser MQTT clients (MQTT.js, Paho JS) and paho-mqtt's websockets
// transport reach the same broker, with the same users, ACL, limits and
// backpressure as over TCP: each WebSocket becomes a stream_connection over
// a small byte-stream adapter (src/net/mqtt_ws.cpp). MQTT packets may span
// WebSocket messages and a message may hold several packets (MQTT 3.1.1
// section 6); the incremental decoder does not care.
#pragma once

#include "hearth/net/net.hpp"
#include "hearth/web/http.hpp"

namespace hearth {

class transport_context;

// Adds the /mqtt WebSocket route to `r`. Bytes received and not yet decoded
// are bounded by `max_buffered` (the connection closes with 1008 past it).
void mount_mqtt_websocket(web::router& r, transport_context& ctx, executor ex,
                          std::size_t max_buffered = 4u << 20);

}  // namespace hearth
