// The two pattern languages, parsed into Expr (decision_program.hpp):
//
// - Classifier's byte patterns: clauses OFFSET/VALUE[%MASK] separated by spaces, all of which
//   must hold; OFFSET decimal, VALUE and MASK hex with an even number of digits, '?' a nibble
//   that matches anything; '!' before a clause negates it; '-' alone matches every packet.
// - The tcpdump-like language of IPClassifier and IPFilter (see ip_classifier.hpp for the list
//   of primitives): tests on the IP header (Space::net) and the transport header
//   (Space::transport), combined with and/or/not (&&, ||, !), parentheses, juxtaposition (an
//   implicit and) and `c ? a : b`.
//
// Errors name the offending word: "expected port number, got 'httpx'". The per-configuration
// functions prefix each with its pattern's index ("pattern 2: ...") and report every bad
// pattern, one per line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "elements/classify/decision_program.hpp"
#include "runtime/core/diag.hpp"

namespace pb::classify {

Result<Expr> parse_classifier_pattern(std::string_view text);
Result<Expr> parse_ip_pattern(std::string_view text);

// Patterns in order and the output each sends its packets to (-1: drop).
struct PatternSet {
  std::vector<Expr> patterns;
  std::vector<int> outputs;
};

// Classifier(PATTERN, ...): pattern i -> output i.
Result<PatternSet> parse_classifier(const std::vector<std::string>& patterns);
// IPClassifier(PATTERN, ...): pattern i -> output i.
Result<PatternSet> parse_ip_classifier(const std::vector<std::string>& patterns);
// IPFilter(ACTION PATTERN, ...): ACTION is allow (output 0), deny or drop (-1), or an output
// number; a rule with no pattern (or '-', 'all', 'any') matches every packet.
Result<PatternSet> parse_ip_filter(const std::vector<std::string>& rules);

namespace detail {
// Parses each pattern (pattern i -> output i), reporting "pattern i: message" for every one that
// fails, one per line.
Result<PatternSet> parse_each(const std::vector<std::string>& patterns,
                              Result<Expr> (*parse)(std::string_view));
}  // namespace detail

}  // namespace pb::classify
