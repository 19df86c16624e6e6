// heraldctl: the command line for operators and template authors.
#include <iostream>

#include "tools/heraldctl/heraldctl.h"

int main(int argc, char** argv) {
  herald::heraldctl::Heraldctl heraldctl(std::cout, std::cerr);
  return heraldctl.Main(argc, argv);
}
