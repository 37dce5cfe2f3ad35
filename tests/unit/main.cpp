// The one translation unit that holds Catch2's main(); every other test file
// only includes <catch2/catch.hpp>, so this file is compiled once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
