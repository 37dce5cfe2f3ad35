// The SQLite wrapper: statements, blobs, transactions and errors, on :memory:.
#include <catch2/catch.hpp>

#include "hearth/store/sqlite.hpp"

using hearth::store::database;
using hearth::store::sqlite_error;
using hearth::store::transaction;

TEST_CASE("sqlite: insert, select, blobs with NUL bytes and NULL", "[store]") {
  database db(":memory:");
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB, x REAL)");
  auto ins = db.prepare("INSERT INTO t(name, data, x) VALUES(?, ?, ?)");
  ins.bind(1, std::string_view("a")).bind_blob(2, std::string_view("\0b\0", 3)).bind(3, 1.5).run();
  ins.bind(1, std::string_view("empty")).bind_blob(2, std::string_view()).bind_null(3).run();
  CHECK(db.last_insert_rowid() == 2);

  auto sel = db.prepare("SELECT name, data, x FROM t ORDER BY id");
  REQUIRE(sel.step());
  CHECK(sel.column_text(0) == "a");
  CHECK(sel.column_text(1) == std::string("\0b\0", 3));
  CHECK(sel.column_double(2) == 1.5);
  REQUIRE(sel.step());
  CHECK(sel.column_text(1).empty());
  CHECK_FALSE(sel.column_is_null(1));  // an empty blob is not NULL
  CHECK(sel.column_is_null(2));
  CHECK_FALSE(sel.step());
}

TEST_CASE("sqlite: a transaction not committed rolls back", "[store]") {
  database db(":memory:");
  db.exec("CREATE TABLE t(v INTEGER)");
  {
    transaction tx(db);
    db.exec("INSERT INTO t VALUES(1)");
  }
  {
    transaction tx(db);
    db.exec("INSERT INTO t VALUES(2)");
    tx.commit();
  }
  auto count = db.prepare("SELECT group_concat(v) FROM t");
  REQUIRE(count.step());
  CHECK(count.column_text(0) == "2");
}

TEST_CASE("sqlite: [malformed] errors carry the message and the code", "[store][malformed]") {
  database db(":memory:");
  CHECK_THROWS_AS(db.exec("NOT SQL"), sqlite_error);
  CHECK_THROWS_WITH(db.prepare("SELECT * FROM missing"), Catch::Contains("no such table"));
  db.exec("CREATE TABLE u(v INTEGER UNIQUE)");
  db.exec("INSERT INTO u VALUES(1)");
  auto dup = db.prepare("INSERT INTO u VALUES(1)");
  try {
    dup.step();
    FAIL("a UNIQUE violation must throw");
  } catch (const sqlite_error& e) {
    CHECK(e.code == 19);  // SQLITE_CONSTRAINT
  }
  CHECK(db.user_version() == 0);
  db.set_user_version(3);
  CHECK(db.user_version() == 3);
  CHECK_THROWS_AS(database("/nonexistent-dir/x/y.db"), sqlite_error);
}
