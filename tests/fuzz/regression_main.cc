// A plain main() for a fuzz target in builds without libFuzzer: runs every
// file under each argument (a file or a folder, searched recursively, in
// sorted order) through LLVMFuzzerTestOneInput once. ctest registers one per
// target with the target's seed corpus and its crash reproducers
// (tests/fuzz/regressions/<target>/), so they run in every build.
// Missing folders are skipped (a target may have no reproducers yet).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (fs::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else {
      std::cerr << "skipping " << arg << ": not found\n";
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << path << "\n";
      return 1;
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cerr << "running " << path.string() << " (" << bytes.size() << " bytes)\n";
    // An empty string's data() is valid; libFuzzer passes a non-null pointer too.
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::cerr << "ran " << files.size() << " inputs\n";
  return 0;
}
