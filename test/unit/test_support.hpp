// Helpers shared by the core unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

// Runs `statement`, expects it to throw txrelay::Error with `code`, returns the message.
#define EXPECT_SQLSTATE(statement, code)                                  \
  [&]() -> std::string {                                                  \
    try {                                                                 \
      statement;                                                          \
    } catch (const txrelay::Error& e) {                                   \
      EXPECT_EQ(e.sqlstate(), code) << e.what();                          \
      return e.what();                                                    \
    }                                                                     \
    ADD_FAILURE() << #statement " did not throw txrelay::Error " << code; \
    return {};                                                            \
  }()
