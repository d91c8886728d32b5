#include "elements/personality/personality.hpp"

#include "elements/personality/console_pty.hpp"
#include "elements/personality/ebd_client.hpp"
#include "elements/personality/ebd_server.hpp"
#include "elements/personality/personality_classifier.hpp"
#include "elements/personality/personality_queue.hpp"
#include "elements/personality/personality_sched.hpp"

namespace pb::elements {

void register_personality_elements(Registry& registry) {
  registry.add<PersonalityClassifier>();
  registry.add<PersonalityQueue>();
  registry.add<PersonalitySched>();
  registry.add<EBDServer>();
  registry.add<EBDClient>();
  registry.add<ConsolePTY>();
}

}  // namespace pb::elements
