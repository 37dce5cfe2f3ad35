// The one translation unit that compiles Beast's implementation
// (BOOST_BEAST_SEPARATE_COMPILATION is set for hearth_web).
#include <boost/beast/src.hpp>
