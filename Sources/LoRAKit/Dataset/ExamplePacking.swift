/// Packing: examples grouped into sequences of at most `capacity` tokens by best-fit decreasing
/// (TRL's "bfd"): longest first, each into the fullest sequence it still fits, so few tokens of
/// each sequence are left for padding.
enum ExamplePacking {
    /// Groups of example indices; every example (at most `capacity` tokens) is in one group.
    static func bestFitDecreasing(lengths: [Int], capacity: Int) -> [[Int]] {
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        var groups: [[Int]] = []
        // (room left, group) sorted by room, so the best fit is a binary search away.
        var rooms: [(room: Int, group: Int)] = []
        for example in order {
            let length = lengths[example]
            let slot = firstIndex(in: rooms, withRoomAtLeast: length)
            var group: Int, room: Int
            if slot < rooms.count {
                (room, group) = rooms.remove(at: slot)
                groups[group].append(example)
                room -= length
            } else {
                group = groups.count
                groups.append([example])
                room = capacity - length
            }
            rooms.insert((room, group), at: firstIndex(in: rooms, withRoomAtLeast: room))
        }
        return groups
    }

    /// The first position in `rooms` (sorted by room) whose room is at least `needed`.
    private static func firstIndex(in rooms: [(room: Int, group: Int)], withRoomAtLeast needed: Int) -> Int {
        var low = 0, high = rooms.count
        while low < high {
            let middle = (low + high) / 2
            if rooms[middle].room < needed { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
