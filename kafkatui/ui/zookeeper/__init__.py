"""ui/zookeeper"""
