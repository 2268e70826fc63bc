#pragma once

namespace presently {

// One visitor for std::visit out of several lambdas, one per alternative.
template <class... Ts> struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

} // namespace presently
