# cmake -DIN=file -DOUT=file.cc -P EmbedText.cmake
# Writes a C++ file defining scr::common::kDefaultLexiconTsv with IN's bytes.
file(READ "${IN}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUT}"
  "// Generated from ${IN}; do not edit.\n"
  "namespace scr::common {\n"
  "extern const char kDefaultLexiconTsv[];\n"
  "const char kDefaultLexiconTsv[] = {${bytes} '\\0'};\n"
  "}  // namespace scr::common\n")
