// /api/house (the snapshot), rooms, naming and placing devices, pairing.conf.
#include <charconv>
#include <cstdio>
#include <map>

#include <boost/json/array.hpp>

#include "hearth/app/routes.hpp"
#include "hearth/store/pairing_conf.hpp"
#include "hearth/web/api.hpp"

namespace hearth::web {

namespace json = boost::json;

namespace {

std::string key3(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string k(a);
  k += '\0';
  k += b;
  k += '\0';
  k += c;
  return k;
}

std::string field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

json::value or_null(const json::object* o, std::string_view name) {
  if (!o) return nullptr;
  const auto* v = o->if_contains(name);
  return v ? *v : json::value(nullptr);
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const auto slash = s.find('/');
    out.push_back(s.substr(0, slash));
    if (slash == std::string_view::npos) break;
    s.remove_prefix(slash + 1);
  }
  return out;
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// {"room": 3 | "3" | "Kitchen" | null} -> the room's id; `error` when
// it names no room.
std::optional<std::int64_t> room_ref(const store::devices& d, const json::object& body, std::string& error) {
  const auto* v = body.if_contains("room");
  if (!v || v->is_null()) return std::nullopt;
  const auto rooms = d.rooms();
  if (v->is_int64() || v->is_uint64()) {
    const std::int64_t id = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64());
    for (const auto& r : rooms)
      if (r.id == id) return id;
  } else if (v->is_string()) {
    const std::string_view s = v->as_string();
    const auto id = parse_id(s);
    for (const auto& r : rooms)
      if ((id && r.id == *id) || r.name == s) return r.id;
  }
  error = "no such room";
  return std::nullopt;
}

json::value label_of(const std::string& label) { return label.empty() ? json::value(nullptr) : json::value(label); }

}  // namespace

json::object house_snapshot(const store::devices& d, const std::vector<home::event>& latest) {
  std::map<std::string, const json::object*> readings, relays, nodes;
  json::array alarms;
  for (const auto& e : latest) {
    const auto& o = e.data;
    if (e.name == "reading") readings[key3(field(o, "node"), field(o, "kind"), field(o, "sensor"))] = &o;
    else if (e.name == "relay") relays[key3(field(o, "node"), field(o, "relay"))] = &o;
    else if (e.name == "node") nodes[field(o, "node")] = &o;
    else if (e.name == "alarm") alarms.push_back(o);
  }

  json::array rooms;
  std::map<std::string, std::int64_t> room_ids;
  for (const auto& r : d.rooms()) {
    rooms.push_back(json::object{{"id", r.id}, {"name", r.name}});
    room_ids.emplace(r.name, r.id);
  }
  auto room_id = [&](const std::string& name) -> json::value {
    auto it = room_ids.find(name);
    return it == room_ids.end() ? json::value(nullptr) : json::value(it->second);
  };

  json::array node_list;
  for (const auto& n : d.list_nodes()) {
    auto it = nodes.find(n.name);
    const json::object* ev = it == nodes.end() ? nullptr : it->second;
    json::value online = or_null(ev, "online");
    node_list.push_back(json::object{{"node", n.name},
                                     {"name", label_of(n.label)},
                                     {"online", online.is_bool() ? online : json::value(false)},
                                     {"last_seen", or_null(ev, "last_seen")}});
  }

  json::array sensors, relay_list, fresh;
  for (const auto& dev : d.list_devices()) {
    if (dev.kind == "relay") {
      auto it = relays.find(key3(dev.node, dev.sensor));
      const json::object* ev = it == relays.end() ? nullptr : it->second;
      json::value pending = or_null(ev, "pending");
      relay_list.push_back(json::object{{"node", dev.node},
                                        {"relay", dev.sensor},
                                        {"name", label_of(dev.label)},
                                        {"room", room_id(dev.room_name)},
                                        {"state", or_null(ev, "state")},
                                        {"pending", pending.is_bool() ? pending : json::value(false)}});
      continue;
    }
    if (!dev.confirmed && dev.room_name.empty()) {
      fresh.push_back(json::object{
          {"node", dev.node}, {"kind", dev.kind}, {"sensor", dev.sensor}, {"first_seen", dev.first_seen}});
      continue;
    }
    auto it = readings.find(key3(dev.node, dev.kind, dev.sensor));
    const json::object* ev = it == readings.end() ? nullptr : it->second;
    json::value unit = or_null(ev, "unit");
    sensors.push_back(json::object{{"node", dev.node},
                                   {"kind", dev.kind},
                                   {"sensor", dev.sensor},
                                   {"name", label_of(dev.label)},
                                   {"room", room_id(dev.room_name)},
                                   {"value", or_null(ev, "value")},
                                   {"unit", unit.is_string() ? unit : json::value(home::unit_of(dev.kind))},
                                   {"ts", or_null(ev, "ts")}});
  }
  return json::object{{"rooms", std::move(rooms)},     {"nodes", std::move(node_list)},
                      {"sensors", std::move(sensors)}, {"relays", std::move(relay_list)},
                      {"alarms", std::move(alarms)},   {"new_devices", std::move(fresh)}};
}

http_response api::rooms(const http_request& req, std::string_view rest) {
  auto& d = house_.devices();
  http_response error;
  if (rest.empty()) {
    if (req.method == "GET") return json_response(200, house_snapshot(d, {}).at("rooms"));
    if (req.method != "POST") return json_error(405, "use GET or POST");
    auto body = parse_object(req.body, error);
    if (!body) return error;
    const std::string name = field(*body, "name");
    auto r = d.create_room(name);
    if (!r) return json_error(400, r.error);
    house_.pairing_changed();
    return json_response(200, json::object{{"id", r.id}, {"name", name}});
  }
  const auto id = rest.starts_with("/") ? parse_id(rest.substr(1)) : std::nullopt;
  if (!id) return json_error(404, "no such room");
  if (req.method == "DELETE") {
    auto r = d.delete_room(*id);
    if (!r) return json_error(404, r.error);
    house_.pairing_changed();
    return json_response(200, json::object{});
  }
  if (req.method != "PUT") return json_error(405, "use PUT or DELETE");
  auto body = parse_object(req.body, error);
  if (!body) return error;
  const std::string name = field(*body, "name");
  auto r = d.rename_room(*id, name);
  if (!r) return json_error(400, r.error);
  house_.pairing_changed();
  return json_response(200, json::object{{"id", *id}, {"name", name}});
}

http_response api::sensor_put(const http_request& req, std::string_view rest) {
  const auto parts = split(rest);
  if (parts.size() != 3) return json_error(404, "expected /api/sensors/<node>/<kind>/<sensor>");
  if (parts[1] == "relay") return json_error(400, "relays are at /api/relays/<node>/<relay>");
  return pair_device(req, parts[0], parts[1], parts[2], "no such sensor");
}

http_response api::relay_put(const http_request& req, std::string_view rest) {
  const auto parts = split(rest);
  if (parts.size() != 2) return json_error(404, "expected /api/relays/<node>/<relay>");
  return pair_device(req, parts[0], "relay", parts[1], "no such relay");
}

http_response api::pair_device(const http_request& req, std::string_view node, std::string_view kind,
                               std::string_view id, std::string_view unknown) {
  http_response error;
  auto body = parse_object(req.body, error);
  if (!body) return error;
  auto& d = house_.devices();
  std::string why;
  const auto room = room_ref(d, *body, why);
  if (!why.empty()) return json_error(400, why);
  if (!d.known(node, kind, id)) return json_error(404, unknown);
  auto r = d.update_device(node, kind, id, field(*body, "name"), room);
  if (!r) return json_error(400, r.error);
  house_.pairing_changed();
  return json_response(200, json::object{});
}

http_response api::pairing_import(const http_request& req) {
  if (req.body.size() > store::max_pairing_conf_bytes) return json_error(413, "pairing.conf is too large");
  // The usable lines are imported and the others reported, so that one typo
  // in a long file costs one line, not the whole import: the parser refuses
  // a file with errors whole, so the lines it names are blanked and the
  // rest parsed again (an error naming no line ends it).
  std::vector<std::string> lines;
  {
    std::string_view text = req.body;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      lines.emplace_back(text.substr(0, nl));
      if (nl == std::string_view::npos) break;
      text.remove_prefix(nl + 1);
    }
  }
  json::array errors;
  store::pairing_conf conf;
  for (int round = 0; round < 2; ++round) {
    std::string text;
    for (const auto& l : lines) text += l + '\n';
    conf = store::parse_pairing_conf(text);
    if (conf.ok()) break;
    bool blanked = false;
    for (const auto& e : conf.errors) {
      errors.push_back(json::string(e));
      int n = 0;
      if (std::sscanf(e.c_str(), "line %d:", &n) == 1 && n >= 1 && static_cast<std::size_t>(n) <= lines.size()) {
        lines[static_cast<std::size_t>(n) - 1].clear();
        blanked = true;
      }
    }
    if (!blanked) break;
  }
  store::pairing_conf usable{conf.ok() ? conf.entries : std::vector<store::pairing_entry>{}, {}};
  std::size_t imported = 0;
  if (!usable.entries.empty()) {
    auto r = house_.devices().import_pairing(usable);
    if (r) imported = usable.entries.size();
    else errors.push_back(json::string(r.error));
    house_.pairing_changed();
  }
  return json_response(200, json::object{{"imported", imported}, {"errors", std::move(errors)}});
}

}  // namespace hearth::web
